"""The dashboard reads the same world as the report: services with data made in the tests."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import TEST_API_KEY
from tests.kpi.reports.conftest import World, world

__all__ = ["World", "browser", "sign_in", "world"]


async def sign_in(
    client: httpx.AsyncClient, key: str = TEST_API_KEY, next_: str = "/dashboard/"
) -> httpx.Response:
    """The browser's way in: the form (with its CSRF token), then the key."""
    form = await client.get("/dashboard/sign-in", params={"next": next_})
    assert form.status_code == 200
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    return await client.post(
        "/dashboard/sign-in",
        files={"api_key": (None, key), "csrf": (None, token.group(1)), "next": (None, next_)},
    )


def browser(world: World) -> httpx.AsyncClient:
    """A client as a browser is: no API key header, cookies kept."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app), base_url="http://kpi")


@pytest.fixture
async def signed_in(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(world) as client:
        assert (await sign_in(client)).status_code == 303
        yield client
