from __future__ import annotations

import re

import pytest

from shared.json_depth import MAX_JSON_DEPTH
from shared.middleware import BodySizeLimitMiddleware, JsonDepthLimitMiddleware
from tests.conftest import assert_problem
from tests.shared.middleware.conftest import JSON, chunks, client_for, reading_app


def _limited() -> BodySizeLimitMiddleware:
    return BodySizeLimitMiddleware(
        reading_app,
        max_body_bytes=10,
        large_body_paths=("/uploads", re.compile(r"/surveys/[^/]+/imports")),
        large_body_bytes=100,
    )


async def test_a_body_over_the_limit_is_refused_by_its_content_length() -> None:
    async with client_for(_limited()) as client:
        within = await client.post("/things", content=b"x" * 10)
        over = await client.post("/things", content=b"x" * 11)
    assert within.json()["bytes"] == 10
    body = assert_problem(over, 413)
    assert body["detail"] == "The request body exceeds 10 bytes."


async def test_a_streamed_body_is_refused_once_it_passes_the_limit() -> None:
    async with client_for(_limited()) as client:
        within = await client.post("/things", content=chunks([b"x" * 5, b"y" * 5]))
        over = await client.post("/things", content=chunks([b"x" * 6, b"y" * 6]))
    assert within.json()["bytes"] == 10
    assert_problem(over, 413)


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/uploads/file", 100),  # a prefix
        ("/surveys/s1/imports", 100),  # a whole path
        ("/surveys/s1/imports/1", 10),  # the pattern matches whole paths only
        ("/other", 10),
    ],
)
async def test_large_bodies_are_allowed_where_configured(path: str, limit: int) -> None:
    async with client_for(_limited()) as client:
        fits = await client.post(path, content=b"x" * limit)
        over = await client.post(path, content=b"x" * (limit + 1))
    assert fits.json()["bytes"] == limit
    assert_problem(over, 413)


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


async def test_a_json_body_nested_too_deep_is_a_422_naming_the_body() -> None:
    async with client_for(JsonDepthLimitMiddleware(reading_app)) as client:
        deep = await client.post("/things", content=_nested(MAX_JSON_DEPTH + 1), headers=JSON)
        at_limit = await client.post("/things", content=_nested(MAX_JSON_DEPTH), headers=JSON)
        not_json = await client.post(
            "/things", content=_nested(MAX_JSON_DEPTH + 1), headers={"content-type": "text/csv"}
        )
    body = assert_problem(deep, 422, "body")
    assert body["errors"][0]["type"] == "json_too_deep"
    assert body["instance"] == "/things"
    assert at_limit.json()["bytes"] == 2 * MAX_JSON_DEPTH
    assert not_json.status_code == 200  # only JSON is gauged
