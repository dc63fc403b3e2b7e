"""Paths: no redirect names an internal address; dot segments (encoded or not) are refused;
the path reaches the service as the client encoded it."""

from __future__ import annotations

import asyncio

import httpx

from gateway.config import GatewaySettings
from gateway.upstreams import build_upstreams
from tests.conftest import AUTH, TEST_API_KEY, assert_problem
from tests.support.processes import Suite


async def _raw_get(port: int, target: str) -> tuple[int, dict[str, str], bytes]:
    """GET `target` exactly as written (HTTP clients resolve dot segments themselves)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            f"GET {target} HTTP/1.1\r\nHost: hub.example\r\nX-API-Key: {TEST_API_KEY}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split(" ")[1]), headers, body


async def test_a_trailing_slash_is_no_redirect_to_an_internal_address(
    gateway: httpx.AsyncClient, seeded_suite: Suite
) -> None:
    # The services answer a trailing slash with a 404 problem (no redirect at all); through the
    # gateway and straight at the service alike.
    response = await gateway.get("/api/v1/activities/", params={"limit": 1})
    assert_problem(response, 404)
    assert "location" not in response.headers
    async with httpx.AsyncClient(headers=AUTH, timeout=10) as client:
        direct = await client.get(f"http://127.0.0.1:{seeded_suite.port + 1}/api/v1/activities/")
    assert direct.status_code == 404
    assert "location" not in direct.headers


def test_a_location_naming_the_upstream_becomes_a_gateway_path() -> None:
    # Any redirect a service still sends names the gateway, never the service's address.
    upstream = build_upstreams(GatewaySettings(activity_url="http://127.0.0.1:9001"))["activity"]
    assert upstream.public_location("http://127.0.0.1:9001/api/v1/x?a=1") == "/api/v1/x?a=1"
    assert upstream.public_location("http://127.0.0.1:9001") == "/"
    assert upstream.public_location("https://elsewhere.example/a") == "https://elsewhere.example/a"


async def test_dot_segments_are_refused_encoded_or_not(seeded_suite: Suite) -> None:
    for target in (
        "/api/v1/activities/..%2fareas",
        "/api/v1/activities/%2e%2e/areas",
        "/api/v1/activities/%2E%2e%2Fareas",
        "/api/v1/activities/../areas",
        "/api/v1/activities/./x",
        "/api/v1/activities/.%2e/.%2e/kpis",
    ):
        status, headers, body = await _raw_get(seeded_suite.port, target)
        assert status == 400, (target, body)
        assert headers["content-type"] == "application/problem+json"
        assert b"segment" in body


async def test_dots_inside_a_segment_are_just_text(seeded_suite: Suite) -> None:
    status, _, body = await _raw_get(seeded_suite.port, "/api/v1/areas/BS..EAST")
    assert status == 404, body


async def test_an_encoded_question_mark_is_not_a_query(seeded_suite: Suite) -> None:
    # Decoded before forwarding, `%3F` would turn the rest of the path into a query string.
    status, _, _ = await _raw_get(seeded_suite.port, "/api/v1/activities%3Flimit=1")
    assert status == 404
    status, _, _ = await _raw_get(seeded_suite.port, "/api/v1/activities?limit=1")
    assert status == 200


async def test_no_answer_names_an_internal_address(
    gateway: httpx.AsyncClient, seeded_suite: Suite
) -> None:
    internal = [f"127.0.0.1:{seeded_suite.port + offset}" for offset in (1, 2, 3)]
    answers = [
        await gateway.get("/api/v1/activities/"),
        await gateway.get("/api/v1/no-such-thing"),
        await gateway.get("/api/v1/activities/not-a-uuid"),
        await gateway.post(
            "/api/v1/activities", content=b"{", headers={"Content-Type": "application/json"}
        ),
    ]
    for response in answers:
        text = response.text + " ".join(response.headers.values())
        assert not any(address in text for address in internal), text
        assert "Traceback" not in text
    assert_problem(answers[1], 404)
