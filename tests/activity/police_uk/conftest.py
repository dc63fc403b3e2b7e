"""Clients of the police.uk API: the authenticated one (imports), an anonymous one (the
public), and a service whose police.uk reads are not public."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import client_for
from tests.support.factories import seed_areas


@pytest.fixture
async def anonymous(activity_client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The same service, without credentials: what anyone on the internet sees."""
    transport = httpx.ASGITransport(app=activity_client.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://activity") as client:
        yield client


@pytest.fixture
async def private_client(activity_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The service with `HUB_POLICE_UK_PUBLIC=false` (authenticated; drop the key per call)."""
    from services.activity.app import create_app
    from services.activity.config import ActivitySettings

    app = create_app(ActivitySettings(database_url=activity_db_url, police_uk_public=False))
    async for client in client_for(app, "http://activity"):
        await seed_areas(client)
        yield client
