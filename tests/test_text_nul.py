"""Text holding a NUL character (U+0000): a 422 problem naming each field, nothing stored.

PostgreSQL cannot store NUL in text (SQLite can), so every service refuses it alike, in JSON
bodies (the `\\u0000` escape), in the query and in the path, before any of it is handled.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

import shared.middleware
from shared.middleware import RequestContextMiddleware
from tests.conftest import assert_problem
from tests.support.factories import activity_payload, batch_item, seed_areas

ACTIVITIES = "/api/v1/activities"
JSON = {"content-type": "application/json"}
MERGE = {"content-type": "application/merge-patch+json"}
NUL_MESSAGE = "text must not contain the NUL character (U+0000)"


@pytest.fixture
async def activities(activity_client: httpx.AsyncClient) -> httpx.AsyncClient:
    await seed_areas(activity_client)
    return activity_client


def _nul_problem(response: httpx.Response, *fields: str) -> dict[str, Any]:
    """A validation problem naming exactly `fields`, each for holding a NUL."""
    body = assert_problem(response, 422, *fields)
    assert body["type"].endswith("/validation")
    assert [e["field"] for e in body["errors"]] == list(fields)
    assert {e["type"] for e in body["errors"]} == {"string_nul"}
    assert "\x00" not in response.text  # named with the escape, never echoed raw
    return body


async def _stored(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    page = await client.get(ACTIVITIES, params={"limit": 500})
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items


async def _chunks(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_nul_in_a_title_is_a_422_naming_it_and_stores_nothing(
    activities: httpx.AsyncClient,
) -> None:
    payload = activity_payload(title="a\x00b")
    # Plain (one statement on the driver) and keyed (a transaction through the ORM).
    for headers in ({}, {"Idempotency-Key": "nul-title-1"}):
        response = await activities.post(ACTIVITIES, json=payload, headers=headers)
        body = _nul_problem(response, "body.title")
        assert body["errors"][0]["message"] == NUL_MESSAGE
        assert body["request_id"] == response.headers["x-request-id"]
    assert await _stored(activities) == []


async def test_every_string_and_key_holding_a_nul_is_named(activities: httpx.AsyncClient) -> None:
    payload = activity_payload(
        title="a\x00", notes="\x00", topics=["asb", "x\x00"], audience={"attendees": 3, "k\x00": 1}
    )
    response = await activities.post(ACTIVITIES, json=payload)
    body = _nul_problem(
        response, "body.title", "body.topics.1", "body.audience.k\\u0000", "body.notes"
    )
    assert body["errors"][2]["message"] == "names must not contain the NUL character (U+0000)"
    assert await _stored(activities) == []


async def test_nul_in_one_batch_item_refuses_the_whole_batch(
    activities: httpx.AsyncClient,
) -> None:
    # Not a per-item outcome: the whole request is refused before any item is looked at.
    items = [batch_item(), batch_item(title="x\x00y"), batch_item()]
    response = await activities.post(f"{ACTIVITIES}/batch", json={"items": items})
    _nul_problem(response, "body.items.1.title")
    assert await _stored(activities) == []


async def test_an_escaped_backslash_before_u0000_is_ordinary_text(
    activities: httpx.AsyncClient,
) -> None:
    title = "a\\u0000b"  # a backslash, then the letters u0000: no NUL
    raw = json.dumps(activity_payload(title=title)).encode()
    assert b'"a\\\\u0000b"' in raw
    created = await activities.post(ACTIVITIES, content=raw, headers=JSON)
    assert created.status_code == 201, created.text
    assert created.json()["title"] == title
    fetched = await activities.get(created.headers["location"])
    assert fetched.json()["title"] == title


async def test_an_escape_split_across_chunks_is_found(activities: httpx.AsyncClient) -> None:
    raw = json.dumps(activity_payload(title="a\x00b")).encode()
    at = raw.index(b"\\u0000")
    for cut in range(at + 1, at + 6):  # `\` | `u0000` ... `\u000` | `0`
        parts = [raw[:10], raw[10:cut], raw[cut:-5], raw[-5:]]
        response = await activities.post(ACTIVITIES, content=_chunks(parts), headers=JSON)
        _nul_problem(response, "body.title")
    # One byte a chunk around it.
    parts = [raw[:at], *(raw[i : i + 1] for i in range(at, at + 6)), raw[at + 6 :]]
    response = await activities.post(ACTIVITIES, content=_chunks(parts), headers=JSON)
    _nul_problem(response, "body.title")
    assert await _stored(activities) == []


async def test_a_chunked_body_held_back_and_found_harmless_reaches_the_app_whole(
    activities: httpx.AsyncClient,
) -> None:
    # The escaped backslash is seen in the second chunk: it and every later chunk wait until
    # the body has been parsed, then the app gets each byte once, in order.
    items = [batch_item(notes="x" * 300) for _ in range(20)]
    items[3]["title"] = "path C:\\u0000\\file"
    raw = json.dumps({"items": items}).encode()
    parts = [raw[i : i + 1000] for i in range(0, len(raw), 1000)]
    assert len(parts) > 5
    response = await activities.post(f"{ACTIVITIES}/batch", content=_chunks(parts), headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 20
    stored = {i["id"]: i["title"] for i in await _stored(activities)}
    assert stored[items[3]["id"]] == "path C:\\u0000\\file"
    assert len(stored) == 20


async def test_malformed_json_with_the_escape_is_reported_as_malformed(
    activities: httpx.AsyncClient,
) -> None:
    raw = b'{"title": "a\\u0000b", '
    response = await activities.post(ACTIVITIES, content=raw, headers=JSON)
    body = assert_problem(response, 422, "body")
    assert body["errors"][0]["type"] == "json_invalid"


async def test_nul_in_the_query_is_a_422_naming_the_parameter(
    activities: httpx.AsyncClient,
) -> None:
    _nul_problem(await activities.get(f"{ACTIVITIES}?q=%00"), "query.q")
    _nul_problem(await activities.get(f"{ACTIVITIES}?limit=5&q=park%00ing"), "query.q")
    named = await activities.get(f"{ACTIVITIES}?q%00=1")
    body = _nul_problem(named, "query.q\\u0000")
    assert body["errors"][0]["message"].startswith("names must not")
    # `%2500` is a percent sign then `00`: ordinary text.
    assert (await activities.get(f"{ACTIVITIES}?q=100%2500")).status_code == 200


async def test_nul_in_the_path_is_a_422(activities: httpx.AsyncClient) -> None:
    _nul_problem(await activities.get("/api/v1/areas/BRS%0001"), "path")
    patched = await activities.patch("/api/v1/areas/BRS%00", json={"name": "x"}, headers=MERGE)
    _nul_problem(patched, "path")


async def test_registry_create_and_merge_patch_refuse_nul(activities: httpx.AsyncClient) -> None:
    area = {"code": "NUL-1", "name": "Park\x00side", "kind": "neighbourhood", "parent": "BRS"}
    _nul_problem(await activities.post("/api/v1/areas", json=area), "body.name")
    assert (await activities.get("/api/v1/areas/NUL-1")).status_code == 404
    patch = await activities.patch("/api/v1/areas/BRS-02", json={"name": "x\x00"}, headers=MERGE)
    _nul_problem(patch, "body.name")
    assert (await activities.get("/api/v1/areas/BRS-02")).json()["name"] == "Neighbourhood BRS-02"


async def test_survey_responses_refuse_nul(survey_client: httpx.AsyncClient) -> None:
    item = {
        "respondent_id": "NUL1",
        "wave": "2022-Q3",
        "area": "BRS-EAST",
        "age_band": "35-64",
        "sex": "female",
        "answers": {"informed": "Fairly well informed", "comments": "Too\x00quiet"},
    }
    response = await survey_client.post(
        "/api/v1/surveys/opcc/responses", json={"responses": [item]}
    )
    _nul_problem(response, "body.responses.0.answers.comments")
    results = await survey_client.get("/api/v1/surveys/opcc/questions/informed/results")
    assert results.json()["groups"] == []
    search = await survey_client.get("/api/v1/surveys/opcc/comments?q=%00")
    _nul_problem(search, "query.q")


async def test_without_the_middleware_check_postgresql_refusal_is_a_422_not_a_500(
    activities: httpx.AsyncClient, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The safety net for text that reaches the database some other way: the middleware finds
    # no NUL here, so the body goes on to the app as it is.
    monkeypatch.setattr(shared.middleware.nul_text, "_nul_fields_in_json", lambda raw: [])
    plain = await activities.post(ACTIVITIES, json=activity_payload(title="a\x00b"))
    keyed = await activities.post(
        ACTIVITIES, json=activity_payload(title="c\x00d"), headers={"Idempotency-Key": "nul-2"}
    )
    if backend == "sqlite":
        # SQLite stores the NUL: why the middleware refuses it for every backend.
        assert (plain.status_code, keyed.status_code) == (201, 201), (plain.text, keyed.text)
        return
    # PostgreSQL refuses it: from asyncpg itself (plain create on a driver connection) and
    # wrapped by SQLAlchemy (the keyed create's transaction, rolled back).
    for response in (plain, keyed):
        body = _nul_problem(response, "body")
        assert body["errors"][0]["message"] == NUL_MESSAGE
    assert await _stored(activities) == []
    replay = await activities.post(
        ACTIVITIES, json=activity_payload(), headers={"Idempotency-Key": "nul-2"}
    )
    assert replay.status_code == 201, replay.text  # the key was not kept either


async def test_the_middleware_hands_on_each_chunk_once_or_answers_itself() -> None:
    # At the ASGI level, around an app that only records what it receives (and has no problem
    # handlers: the middleware then answers the 422 itself).
    received: list[Message] = []

    async def recorder(scope: Scope, receive: Receive, send: Send) -> None:
        more = True
        while more:
            message = await receive()
            received.append(message)
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = RequestContextMiddleware(recorder, max_body_bytes=1 << 20)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
        parts = [b'{"a": "x', b'\\\\u0000", "b": "', b"y" * 100, b'"}']
        response = await client.post("/", content=_chunks(parts), headers=JSON)
        assert response.status_code == 204
        # Held back from the second chunk on, then handed on: each chunk once, in order (httpx
        # ends the body with an empty message).
        assert [m["body"] for m in received if m["body"]] == parts
        assert [m["more_body"] for m in received][-1] is False

        received.clear()
        parts = [b'{"a": "x', b'\\u0000", "b": "', b"y" * 100, b'"}']
        response = await client.post("/", content=_chunks(parts), headers=JSON)
        _nul_problem(response, "body.a")
        assert [m["body"] for m in received] == parts[:1]  # never the whole body
