"""The circuit breaker per upstream: the rule on its own, then through the gateway."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.app import create_app
from gateway.breaker import CircuitBreaker, CircuitState
from gateway.config import GatewaySettings
from hub.ports import free_port
from tests.conftest import AUTH, assert_problem


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_consecutive_failures_only() -> None:
    clock = Clock()
    breaker = CircuitBreaker("kpi", failures=3, open_s=10, clock=clock)
    for _ in range(2):
        assert breaker.retry_after() is None
        breaker.record_failure()
    breaker.record_success()  # a success in between starts the count again
    for _ in range(2):
        breaker.record_failure()
    assert breaker.state is CircuitState.CLOSED
    breaker.record_failure()
    assert breaker.state is CircuitState.OPEN
    assert breaker.retry_after() == 10
    clock.now += 9.2
    assert breaker.retry_after() == 1


def test_one_probe_after_the_open_period_and_its_outcome_decides() -> None:
    clock = Clock()
    changes: list[CircuitState] = []
    breaker = CircuitBreaker(
        "kpi", failures=1, open_s=5, clock=clock, on_change=lambda _, s: changes.append(s)
    )
    breaker.record_failure()
    clock.now += 5.1
    assert breaker.retry_after() is None  # this call is the probe
    assert breaker.state is CircuitState.HALF_OPEN
    assert breaker.retry_after() == 1  # others wait while it runs
    breaker.record_failure()  # the probe failed: open for another period
    assert breaker.state is CircuitState.OPEN
    assert breaker.retry_after() == 5
    clock.now += 5.1
    assert breaker.retry_after() is None
    breaker.release()  # the probe never reached the upstream: another may probe
    assert breaker.retry_after() is None
    breaker.record_success()
    assert breaker.state is CircuitState.CLOSED
    assert breaker.retry_after() is None
    assert changes == [
        CircuitState.CLOSED,  # the initial state, for the metrics
        CircuitState.OPEN,
        CircuitState.HALF_OPEN,
        CircuitState.OPEN,
        CircuitState.HALF_OPEN,
        CircuitState.CLOSED,
    ]


async def _answer_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
            writer.write(b"Content-Length: 2\r\n\r\n[]")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@pytest.fixture
async def gateway_on_a_port() -> AsyncIterator[tuple[httpx.AsyncClient, int]]:
    """A gateway whose KPI upstream is a port where nothing listens yet."""
    port = free_port()
    dead = f"http://127.0.0.1:{free_port()}"
    settings = GatewaySettings(
        activity_url=dead,
        survey_url=dead,
        kpi_url=f"http://127.0.0.1:{port}",
        retries=0,
        breaker_failures=2,
        breaker_open_s=0.5,
    )
    app = create_app(settings, configure_logs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw", headers=AUTH) as c:
            yield c, port


async def test_open_circuit_answers_503_at_once_until_a_probe_succeeds(
    gateway_on_a_port: tuple[httpx.AsyncClient, int],
) -> None:
    client, port = gateway_on_a_port
    assert_problem(await client.get("/api/v1/kpis"), 502)
    assert_problem(await client.get("/api/v1/kpis"), 502)
    started = time.monotonic()
    paused = await client.get("/api/v1/kpis")
    assert time.monotonic() - started < 0.2
    body = assert_problem(paused, 503)
    assert "kpi" in body["detail"]
    assert paused.headers["retry-after"] == "1"
    # Other upstreams have circuits of their own.
    assert_problem(await client.get("/api/v1/activities"), 502)
    # The service comes back; after the open period one probe gets through and closes it.
    server = await asyncio.start_server(_answer_ok, "127.0.0.1", port)
    try:
        assert_problem(await client.get("/api/v1/kpis"), 503)
        await asyncio.sleep(0.6)
        probe = await client.get("/api/v1/kpis")
        assert probe.status_code == 200, probe.text
        assert (await client.get("/api/v1/kpis")).status_code == 200
    finally:
        server.close()
        await server.wait_closed()


async def test_a_failed_probe_opens_the_circuit_again(
    gateway_on_a_port: tuple[httpx.AsyncClient, int],
) -> None:
    client, _ = gateway_on_a_port
    for _ in range(2):
        assert_problem(await client.get("/api/v1/kpis"), 502)
    assert_problem(await client.get("/api/v1/kpis"), 503)
    await asyncio.sleep(0.6)
    assert_problem(await client.get("/api/v1/kpis"), 502)  # the probe, still refused
    again = await client.get("/api/v1/kpis")
    assert_problem(again, 503)
