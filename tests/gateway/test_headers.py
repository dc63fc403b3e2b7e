"""Every gateway answer carries the security headers and no server banner; CORS by an
allow-list (preflight without credentials); the API documents public or not by setting."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.app import create_app
from gateway.config import GatewaySettings
from hub.ports import free_port
from tests.conftest import AUTH, assert_problem
from tests.support.processes import Suite

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def _assert_secured(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.request.url)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert "server" not in response.headers
    assert "strict-transport-security" not in response.headers  # not configured


async def test_every_kind_of_answer_is_secured(
    gateway: httpx.AsyncClient, seeded_suite: Suite
) -> None:
    answers = [
        await gateway.get("/healthz"),
        await gateway.get("/readyz"),
        await gateway.get("/api/v1/kpis"),  # proxied
        await gateway.get("/api/v1/activities", headers={"X-API-Key": "wrong"}),  # 401 here
        await gateway.get("/api/v1/no-such-thing"),  # 404 here
        await gateway.get(f"/api/v1/activities/{'0' * 8}-0000-0000-0000-{'0' * 12}"),  # 404 there
        await gateway.get("/metrics"),
    ]
    for response in answers:
        _assert_secured(response)
    assert "script-src 'self';" in answers[2].headers["content-security-policy"] + ";"
    docs = await gateway.get("/docs")
    _assert_secured(docs)
    assert "'unsafe-inline'" in docs.headers["content-security-policy"]
    # No process of the suite announces itself.
    async with httpx.AsyncClient(timeout=5) as client:
        for offset in (1, 2, 3):
            direct = await client.get(f"http://127.0.0.1:{seeded_suite.port + offset}/healthz")
            assert "server" not in direct.headers


@pytest.fixture
async def configured() -> AsyncIterator[httpx.AsyncClient]:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = GatewaySettings(
        activity_url=dead,
        survey_url=dead,
        kpi_url=dead,
        cors_origins="https://app.force.example, https://qlik.force.example",
        docs_public=False,
        hsts_max_age_s=31536000,
    )
    app = create_app(settings, configure_logs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://gw") as client:
            yield client


async def test_a_preflight_from_an_allowed_origin_needs_no_credentials(
    configured: httpx.AsyncClient,
) -> None:
    preflight = await configured.options(
        "/api/v1/activities",
        headers={
            "Origin": "https://app.force.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-API-Key, Content-Type, Idempotency-Key",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.force.example"
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert {"x-api-key", "content-type", "idempotency-key"} <= {
        h.strip() for h in allowed.split(",")
    }
    assert "access-control-allow-credentials" not in preflight.headers
    # The call itself still needs credentials, and tells the browser what it may read.
    call = await configured.get(
        "/api/v1/activities", headers={"Origin": "https://app.force.example"}
    )
    assert_problem(call, 401)
    assert call.headers["access-control-allow-origin"] == "https://app.force.example"
    assert "x-request-id" in call.headers["access-control-expose-headers"].lower()


async def test_other_origins_are_not_allowed(configured: httpx.AsyncClient) -> None:
    preflight = await configured.options(
        "/api/v1/activities",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    call = await configured.get("/api/v1/activities", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in call.headers


async def test_hsts_when_configured(configured: httpx.AsyncClient) -> None:
    response = await configured.get("/healthz")
    assert response.headers["strict-transport-security"] == "max-age=31536000"


async def test_private_documents_need_credentials(configured: httpx.AsyncClient) -> None:
    for path in ("/docs", "/openapi.json"):
        assert_problem(await configured.get(path), 401)
        assert_problem(await configured.get(path, headers={"X-API-Key": "wrong"}), 401)
    docs = await configured.get("/docs", headers=AUTH)
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]
    # Health and metrics stay open.
    assert (await configured.get("/healthz")).status_code == 200
    assert (await configured.get("/metrics")).status_code == 200


async def test_public_documents_by_default(gateway: httpx.AsyncClient) -> None:
    async with httpx.AsyncClient(base_url=str(gateway.base_url), timeout=10) as anonymous:
        assert (await anonymous.get("/docs")).status_code == 200
        assert (await anonymous.get("/openapi.json")).status_code == 200
