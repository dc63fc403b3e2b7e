"""Connect errors are retried (at most twice, with jitter) only for calls that are safe to send
again: GET/HEAD, and calls carrying an Idempotency-Key."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client import REGISTRY

from gateway.app import create_app
from gateway.config import GatewaySettings
from hub.ports import free_port
from tests.conftest import AUTH, assert_problem


def _retries() -> float:
    value = REGISTRY.get_sample_value("hub_gateway_upstream_retries_total", {"upstream": "kpi"})
    return value or 0.0


def _connect_failures() -> float:
    labels = {"upstream": "kpi", "kind": "connect"}
    return REGISTRY.get_sample_value("hub_gateway_upstream_failures_total", labels) or 0.0


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = GatewaySettings(
        activity_url=dead, survey_url=dead, kpi_url=dead, breaker_failures=1000
    )
    app = create_app(settings, configure_logs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw", headers=AUTH) as c:
            yield c


@pytest.mark.parametrize(
    ("method", "headers", "attempts"),
    [
        ("GET", {}, 3),
        ("HEAD", {}, 3),
        ("POST", {}, 1),
        ("POST", {"Idempotency-Key": "6f1c9b9e-1d7e-4c55-9a55-0d0f3f1f6a11"}, 3),
        ("PATCH", {}, 1),
        ("DELETE", {}, 1),
    ],
)
async def test_connect_errors_are_retried_only_when_safe(
    client: httpx.AsyncClient, method: str, headers: dict[str, str], attempts: int
) -> None:
    retries, failures = _retries(), _connect_failures()
    body = b"{}" if method in ("POST", "PATCH") else None
    response = await client.request(
        method,
        "/api/v1/kpis/measurements",
        content=body,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 502
    if method != "HEAD":
        assert_problem(response, 502)
    assert _connect_failures() - failures == attempts
    assert _retries() - retries == attempts - 1
