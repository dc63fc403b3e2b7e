"""Upstream refused -> 502, upstream silent -> 504: fast, as problems, never a hang."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import httpx
import pytest

from gateway.app import create_app
from gateway.config import GatewaySettings
from hub.ports import free_port
from shared.auth import hash_secret
from tests.conftest import AUTH, assert_problem


@pytest.fixture
async def silent_upstream() -> AsyncIterator[str]:
    """Accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


async def _gateway(settings: GatewaySettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, configure_logs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw", headers=AUTH) as c:
            yield c


async def test_refused_upstream_is_a_fast_502(silent_upstream: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = GatewaySettings(activity_url=dead, survey_url=dead, kpi_url=silent_upstream)
    async for client in _gateway(settings):
        started = time.monotonic()
        response = await client.get("/api/v1/activities")
        assert time.monotonic() - started < 2
        body = assert_problem(response, 502)
        assert "activity" in body["detail"]
        ready = await client.get("/readyz")
        assert_problem(ready, 503)
        assert ready.json()["checks"]["activity"] == "unreachable"


async def test_silent_upstream_is_a_504_after_the_read_timeout(silent_upstream: str) -> None:
    settings = GatewaySettings(
        activity_url=silent_upstream,
        survey_url=silent_upstream,
        kpi_url=silent_upstream,
        read_timeout_s=0.5,
    )
    async for client in _gateway(settings):
        started = time.monotonic()
        response = await client.get("/api/v1/kpis")
        elapsed = time.monotonic() - started
        assert_problem(response, 504)
        assert 0.4 < elapsed < 3


async def test_credentials_are_checked_before_any_upstream_call() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = GatewaySettings(activity_url=dead, survey_url=dead, kpi_url=dead)
    async for client in _gateway(settings):
        response = await client.get("/api/v1/activities", headers={"X-API-Key": "bad"})
        assert_problem(response, 401)


async def test_rate_limit_is_per_key_with_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # A second key, configured the way operators do: id, SHA-256 of the secret, scopes.
    monkeypatch.setenv("HUB_API_KEYS", f"other:{hash_secret('other-key')}:kpi:read")
    dead = f"http://127.0.0.1:{free_port()}"
    settings = GatewaySettings(
        activity_url=dead,
        survey_url=dead,
        kpi_url=dead,
        rate_limit="3/minute",
        auth_failure_limit="3/minute",
        breaker_failures=100,
    )
    async for client in _gateway(settings):
        statuses = [(await client.get("/api/v1/kpis")).status_code for _ in range(3)]
        assert statuses == [502, 502, 502]  # allowed through (the upstream is down)
        limited = await client.get("/api/v1/kpis")
        body = assert_problem(limited, 429)
        assert "slow down" in body["detail"]
        assert int(limited.headers["retry-after"]) >= 1
        # Another caller has its own bucket.
        other = await client.get("/api/v1/kpis", headers={"X-API-Key": "other-key"})
        assert other.status_code == 502
        # Guessing keys spends the caller address's bucket.
        guesses = [
            (await client.get("/api/v1/kpis", headers={"X-API-Key": f"guess-{i}"})).status_code
            for i in range(4)
        ]
        assert guesses == [401, 401, 401, 429]


@pytest.fixture
async def truncating_upstream() -> AsyncIterator[str]:
    """Answers 200 with `Content-Length: 100`, sends 10 bytes of it and hangs up."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.close()
    await server.wait_closed()


async def test_an_answer_cut_short_upstream_is_cut_short_here(truncating_upstream: str) -> None:
    # Never a 502 problem after a 200 has begun, never a short body passed off as whole.
    dead = f"http://127.0.0.1:{free_port()}"
    settings = GatewaySettings(activity_url=dead, survey_url=dead, kpi_url=truncating_upstream)
    async for client in _gateway(settings):
        started = time.monotonic()
        with pytest.raises(aiohttp.ClientPayloadError):
            await client.get("/api/v1/kpis")
        assert time.monotonic() - started < 2
        # The gateway goes on answering.
        assert_problem(await client.get("/api/v1/activities"), 502)
