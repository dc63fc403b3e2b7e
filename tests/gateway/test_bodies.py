"""Request bodies: too slow or stalled is a 408 that never holds an upstream connection (a
flood of half-sent bodies leaves other callers unaffected); nesting too deep is a 422
everywhere, never a 500."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from starlette.requests import Request

from services.activity.bodies import read_batch, read_json
from shared.json_depth import MAX_JSON_DEPTH
from shared.problems import ProblemError
from tests.conftest import AUTH, TEST_API_KEY, assert_problem
from tests.support.factories import activity_payload
from tests.support.gateways import gateway_process, suite_upstreams
from tests.support.processes import Suite

IDLE_S = 6.0  # long enough for the calls below on a busy machine
# A deep body: a list nested far beyond the limit, inside an otherwise plausible activity.
DEEP = b'{"title": "x", "details": ' + b"[" * 5000 + b"]" * 5000 + b"}"


@pytest.fixture(scope="module")
def slow_body_gateway(
    seeded_suite: Suite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A gateway of its own in front of the suite's services: a small upstream pool, short
    body deadlines, so holding upstream connections for slow bodies would show at once."""
    env = {
        **suite_upstreams(seeded_suite.port),
        "GATEWAY_MAX_CONNECTIONS": "8",
        "GATEWAY_POOL_TIMEOUT_S": "1",
        "GATEWAY_BODY_IDLE_TIMEOUT_S": str(IDLE_S),
        "GATEWAY_BODY_GRACE_S": "1",
        "GATEWAY_BODY_MIN_BYTES_PER_S": "2000",
    }
    log = tmp_path_factory.mktemp("slow-body-gateway") / "gateway.log"
    with gateway_process(env, log) as base:
        yield base


def _post_head(port: int, length: int) -> bytes:
    return (
        f"POST /api/v1/activities HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"X-API-Key: {TEST_API_KEY}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


async def _status_of_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, Any]]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return status, json.loads(await reader.readexactly(length))


@pytest.fixture
async def half_sent_bodies(slow_body_gateway: str) -> AsyncIterator[list[asyncio.StreamReader]]:
    """120 connections that each sent half of a POST body and then nothing."""
    port = int(slow_body_gateway.rsplit(":", 1)[1])
    body = json.dumps(activity_payload()).encode()
    writers: list[asyncio.StreamWriter] = []
    readers: list[asyncio.StreamReader] = []
    for _ in range(120):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(_post_head(port, len(body)) + body[: len(body) // 2])
        await writer.drain()
        readers.append(reader)
        writers.append(writer)
    yield readers
    for writer in writers:
        writer.close()


async def test_a_flood_of_half_sent_bodies_leaves_other_callers_unaffected(
    slow_body_gateway: str, half_sent_bodies: list[asyncio.StreamReader]
) -> None:
    flood_started = time.monotonic()
    async with httpx.AsyncClient(base_url=slow_body_gateway, headers=AUTH, timeout=10) as client:
        for _ in range(3):  # more calls than the upstream pool has connections, in parallel
            answers = await asyncio.gather(
                *(client.get("/api/v1/activities", params={"limit": 1}) for _ in range(10)),
                *(client.post("/api/v1/activities", json=activity_payload()) for _ in range(5)),
            )
            assert [a.status_code for a in answers] == [200] * 10 + [201] * 5
    assert time.monotonic() - flood_started < IDLE_S  # all of it while the flood was held
    # Each half-sent body is cut off with a 408 problem once it has stalled for too long.
    answers = await asyncio.gather(*(_status_of_answer(r) for r in half_sent_bodies))
    assert {status for status, _ in answers} == {408}
    assert all(body["status"] == 408 and "too slowly" in body["detail"] for _, body in answers)
    assert time.monotonic() - flood_started < IDLE_S + 5


async def test_a_body_trickling_in_below_the_minimum_rate_is_a_408(
    slow_body_gateway: str,
) -> None:
    port = int(slow_body_gateway.rsplit(":", 1)[1])
    body = json.dumps(activity_payload(notes="n" * 4000)).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    try:
        writer.write(_post_head(port, len(body)))
        status = 0
        # 100 bytes every 0.2 s: never idle for long, but 500 B/s against 2000 B/s required.
        for offset in range(0, len(body), 100):
            writer.write(body[offset : offset + 100])
            await writer.drain()
            try:
                status, problem = await asyncio.wait_for(_status_of_answer(reader), 0.2)
                break
            except TimeoutError:
                continue
        assert status == 408
        assert problem["status"] == 408
        assert time.monotonic() - started < IDLE_S
    finally:
        writer.close()


async def test_a_body_sent_in_chunks_at_a_fair_pace_goes_through(slow_body_gateway: str) -> None:
    payload = json.dumps(activity_payload()).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for offset in range(0, len(payload), 64):
            await asyncio.sleep(0.01)
            yield payload[offset : offset + 64]

    async with httpx.AsyncClient(base_url=slow_body_gateway, headers=AUTH, timeout=10) as client:
        response = await client.post(
            "/api/v1/activities", content=chunks(), headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("method", "path", "service_offset"),
    [
        ("POST", "/api/v1/activities", 1),
        ("POST", "/api/v1/activities/batch", 1),
        ("PATCH", "/api/v1/areas/BS-EAST-03", 1),
        ("POST", "/api/v1/surveys", 2),
        # The KPI service takes no JSON body yet: the gateway's own check answers.
        ("POST", "/api/v1/kpis/measurements", None),
    ],
)
async def test_json_nested_too_deep_is_a_422_at_the_gateway_and_at_each_service(
    seeded_suite: Suite, method: str, path: str, service_offset: int | None
) -> None:
    bases = [seeded_suite.base_url]
    if service_offset is not None:
        bases.append(f"http://127.0.0.1:{seeded_suite.port + service_offset}")
    async with httpx.AsyncClient(headers=AUTH, timeout=10) as client:
        for base in bases:
            response = await client.request(
                method, base + path, content=DEEP, headers={"Content-Type": "application/json"}
            )
            body = assert_problem(response, 422, "body")
            assert body["errors"][0]["type"] == "json_too_deep"
            assert str(MAX_JSON_DEPTH) in body["detail"]


async def test_nothing_deep_is_stored(gateway: httpx.AsyncClient) -> None:
    before = (await gateway.get("/api/v1/activities", params={"limit": 500})).json()["items"]
    deep = activity_payload(area="BS-EAST-03")
    deep["audience"] = {"groups": json.loads(b"[" * 60 + b"]" * 60)}  # under the limit: parsed
    text = json.dumps(deep).encode().replace(b"[[", b"[[[[[[[[[[", 1)
    response = await gateway.post(
        "/api/v1/activities", content=text, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 422, "body")
    after = (await gateway.get("/api/v1/activities", params={"limit": 500})).json()["items"]
    assert len(after) == len(before)


def _request(body: bytes) -> Request:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [], "query_string": b""}
    return Request(scope, receive)


@pytest.mark.parametrize("reader", [read_json, read_batch])
async def test_the_activity_body_readers_refuse_deep_json_themselves(reader: Any) -> None:
    # Behind the shared middleware these never see such a body; on their own they still
    # answer a 422 rather than a RecursionError.
    with pytest.raises(ProblemError) as raised:
        await reader(_request(b'{"items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"))
    assert raised.value.status == 422
    assert raised.value.errors is not None
    assert raised.value.errors[0].type == "json_too_deep"


async def test_pages_are_bounded(gateway: httpx.AsyncClient) -> None:
    for path in ("/api/v1/activities", "/api/v1/areas"):
        response = await gateway.get(path, params={"limit": 100_000})
        assert_problem(response, 422, "query.limit")
