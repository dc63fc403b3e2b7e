"""The dashboard reads the same world as the report: services with data made in the tests.

The gateway signs callers in (`tests/gateway/test_access_dashboard*.py`); here the pages are
called as the gateway calls them, with the caller's signed identity and the form token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterable

import httpx
import pytest

from shared.auth import ALL_SCOPES, IDENTITY_HEADER, IdentitySigner, Principal
from tests.conftest import TEST_INTERNAL_SECRET
from tests.kpi.reports.conftest import World, world

__all__ = ["FORM_TOKEN", "World", "as_caller", "browser", "world"]

FORM_TOKEN = "form-token-" + "f" * 20


class GatewayIdentity(httpx.Auth):
    """Each request as the gateway forwards a signed-in page: a fresh signed identity (it is
    valid for 30 s only) and the session's form token."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.signer = IdentitySigner(TEST_INTERNAL_SECRET)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[IDENTITY_HEADER] = self.signer.sign(self.principal, None)
        request.headers["x-hub-csrf"] = FORM_TOKEN
        yield request


def browser(world: World) -> httpx.AsyncClient:
    """A client as a browser is when it has not signed in: no identity, no API key."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app), base_url="http://kpi")


def as_caller(
    world: World,
    scopes: Iterable[str] = (ALL_SCOPES,),
    *,
    districts: Iterable[str] | None = None,
    caller: str = "bootstrap",
) -> httpx.AsyncClient:
    principal = Principal(
        caller, frozenset(scopes), None if districts is None else frozenset(districts)
    )
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=world.app),
        base_url="http://kpi",
        auth=GatewayIdentity(principal),
    )


@pytest.fixture
async def signed_in(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with as_caller(world) as client:
        yield client
