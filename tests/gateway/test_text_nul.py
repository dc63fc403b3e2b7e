"""NUL in text through the gateway, on real processes: bodies arrive in many chunks.

The gateway streams JSON bodies on unchanged; the service refuses a NUL (422) and the gateway
passes that answer on. NUL in the query the gateway refuses itself.
"""

from __future__ import annotations

import json

import httpx

from tests.conftest import assert_problem
from tests.support.factories import batch_item

BATCH = "/api/v1/activities/batch"
JSON = {"content-type": "application/json"}


def _big_batch(last_title: str) -> tuple[list[str], bytes]:
    """~1 MB: uvicorn hands it on in many chunks, the escape in one of the last."""
    items = [batch_item(notes="n" * 3000) for _ in range(300)]
    items[-1]["title"] = last_title
    raw = json.dumps({"items": items}).encode()
    assert len(raw) > 900_000
    return [i["id"] for i in items], raw


async def test_nul_at_the_end_of_a_large_body_is_refused_and_nothing_stored(
    gateway: httpx.AsyncClient,
) -> None:
    ids, raw = _big_batch("late \x00 title")
    response = await gateway.post(BATCH, content=raw, headers=JSON)
    body = assert_problem(response, 422, "body.items.299.title")
    assert body["errors"][0]["type"] == "string_nul"
    for activity_id in (ids[0], ids[-1]):
        assert (await gateway.get(f"/api/v1/activities/{activity_id}")).status_code == 404


async def test_a_large_body_with_an_escaped_backslash_passes_through_whole(
    gateway: httpx.AsyncClient,
) -> None:
    ids, raw = _big_batch("late \\u0000 title")
    response = await gateway.post(BATCH, content=raw, headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 300
    last = await gateway.get(f"/api/v1/activities/{ids[-1]}")
    assert last.json()["title"] == "late \\u0000 title"


async def test_nul_in_the_query_is_refused_at_the_gateway(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/activities?q=%00")
    body = assert_problem(response, 422, "query.q")
    assert body["errors"][0]["type"] == "string_nul"
