from __future__ import annotations

import pytest

from shared.middleware import NulTextMiddleware
from tests.conftest import assert_problem
from tests.shared.middleware.conftest import JSON, chunks, client_for, reading_app

NUL_TEXT = "text must not contain the NUL character (U+0000)"
NUL_NAME = "names must not contain the NUL character (U+0000)"


@pytest.mark.parametrize(
    ("target", "field", "message"),
    [
        ("/things/a%00b", "path", NUL_TEXT),
        ("/things?q=a%00b", "query.q", NUL_TEXT),
        ("/things?a%00b=1", "query.a\\u0000b", NUL_NAME),
    ],
)
async def test_a_nul_in_the_path_or_query_is_a_422_naming_where(
    target: str, field: str, message: str
) -> None:
    async with client_for(NulTextMiddleware(reading_app, scan_json_bodies=False)) as client:
        response = await client.get(target)
    body = assert_problem(response, 422, field)
    assert body["errors"] == [{"field": field, "message": message, "type": "string_nul"}]
    assert "\x00" not in response.text


async def test_a_nul_in_json_text_is_a_422_naming_each_key_then_each_string() -> None:
    body = b'{"a": ["ok", "x\\u0000"], "k\\u0000": 1, "b": {"c": "\\u0000"}}'
    async with client_for(NulTextMiddleware(reading_app)) as client:
        response = await client.post("/things", content=body, headers=JSON)
        split = await client.post(  # the escape across two chunks
            "/things", content=chunks([b'{"a": "x\\u00', b'00"}']), headers=JSON
        )
    problem = assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["body.k\\u0000", "body.a.1", "body.b.c"]
    assert [e["message"] for e in problem["errors"]] == [NUL_NAME, NUL_TEXT, NUL_TEXT]
    assert_problem(split, 422, "body.a")


async def test_json_without_a_nul_reaches_the_app_whole() -> None:
    body = b'{"a": "x\\\\u0000 is only an escaped backslash"}'
    async with client_for(NulTextMiddleware(reading_app)) as client:
        response = await client.post("/things", content=chunks([body[:9], body[9:]]), headers=JSON)
        other_type = await client.post(
            "/things", content=b'"\\u0000"', headers={"content-type": "text/plain"}
        )
    assert response.json()["bytes"] == len(body)
    assert other_type.status_code == 200  # only JSON is scanned


async def test_the_gateway_passes_json_bodies_on_unscanned() -> None:
    async with client_for(NulTextMiddleware(reading_app, scan_json_bodies=False)) as client:
        response = await client.post("/things", content=b'{"a": "\\u0000"}', headers=JSON)
    assert response.status_code == 200
