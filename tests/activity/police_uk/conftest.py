"""Clients of the police.uk API: the authenticated one (imports), an anonymous one (the
public), and a service whose police.uk reads are not public."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.conftest import client_for
from tests.support.databases import DatabaseFactory
from tests.support.factories import seed_areas
from tests.support.processes import Suite, start_suite


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


@pytest.fixture(scope="session")
async def police_suite_env(databases: DatabaseFactory) -> dict[str, str]:
    """Database URLs for the suite's services: SQLite files in its data dir, or fresh PG DBs."""
    if databases.admin_url is None:
        return {}
    return {
        f"{service.upper()}_DATABASE_URL": await databases.fresh(service)
        for service in ("activity", "survey", "kpi")
    }


@pytest.fixture(scope="session")
def police_suite(
    police_suite_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Suite]:
    """The whole Hub on loopback (gateway and services as processes), police.uk reads public."""
    env = {**police_suite_env, "HUB_POLICE_UK_PUBLIC": "true"}
    running = start_suite(tmp_path_factory.mktemp("police-suite"), env)
    try:
        yield running
    finally:
        running.stop()
