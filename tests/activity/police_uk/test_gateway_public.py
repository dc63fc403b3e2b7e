"""The gateway's public path: police.uk reads pass without a key while public, spending from
the caller address's rate-limit bucket; nothing else does (gateway in process, upstream down,
so an answer of 502 means "let through")."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.public import is_public_request
from hub.ports import free_port
from tests.conftest import AUTH, assert_problem

READ = "/api/v1/police-uk/avon-and-somerset/BC193/events"


async def _anonymous_gateway(**overrides: object) -> AsyncIterator[httpx.AsyncClient]:
    dead = f"http://127.0.0.1:{free_port()}"
    # No retries and no circuit breaking: every answer says whether the call was let through.
    quiet: dict[str, object] = {"retries": 0, "breaker_failures": 1000, **overrides}
    settings = GatewaySettings(activity_url=dead, survey_url=dead, kpi_url=dead, **quiet)
    app = create_app(settings, configure_logs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client


@pytest.fixture
async def public_gateway() -> AsyncIterator[httpx.AsyncClient]:
    async for client in _anonymous_gateway(rate_limit="3/hour"):
        yield client


async def test_public_reads_pass_without_a_key_within_the_address_limit(
    public_gateway: httpx.AsyncClient,
) -> None:
    answers = [(await public_gateway.get(READ)).status_code for _ in range(3)]
    assert answers == [502, 502, 502]  # let through (the upstream is down)
    limited = await public_gateway.get(READ)
    assert_problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1
    # A key has its own bucket: the address's limit does not stop it.
    assert (await public_gateway.get(READ, headers=AUTH)).status_code == 502


async def test_only_police_uk_reads_are_public() -> None:
    async for client in _anonymous_gateway():
        assert_problem(await client.get("/api/v1/areas"), 401)
        assert_problem(await client.post(READ, json=[]), 401)
        assert_problem(await client.put("/api/v1/police-uk/forces/x", json={}), 401)
        assert_problem(await client.get(READ, headers={"X-API-Key": "wrong"}), 401)


async def test_public_off_needs_a_credential_at_the_gateway() -> None:
    async for client in _anonymous_gateway(police_uk_public=False):
        assert_problem(await client.get(READ), 401)
        assert (await client.get(READ, headers=AUTH)).status_code == 502
        # A CORS preflight never carries credentials: it still passes.
        assert (await client.options(READ)).status_code == 502


def test_public_request_rule() -> None:
    def scope(method: str, path: str) -> dict[str, str]:
        return {"method": method, "path": path}

    assert is_public_request(scope("GET", READ), police_uk_public=True)
    assert not is_public_request(scope("GET", READ), police_uk_public=False)
    assert is_public_request(scope("OPTIONS", READ), police_uk_public=False)
    assert not is_public_request(scope("POST", READ), police_uk_public=True)
    assert not is_public_request(scope("GET", "/api/v1/police-ukx/a"), police_uk_public=True)
    assert not is_public_request(scope("GET", "/api/v1/areas"), police_uk_public=True)
