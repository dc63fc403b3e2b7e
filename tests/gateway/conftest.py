from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.conftest import AUTH
from tests.support.databases import DatabaseFactory
from tests.support.factories import seed_areas
from tests.support.processes import Suite, start_suite


@pytest.fixture(scope="session")
async def suite_env(databases: DatabaseFactory) -> dict[str, str]:
    """Database URLs for the suite's services: SQLite files in its data dir, or fresh PG DBs."""
    if databases.admin_url is None:
        return {}
    return {
        f"{service.upper()}_DATABASE_URL": await databases.fresh(service)
        for service in ("activity", "survey", "kpi", "gateway")
    }


@pytest.fixture(scope="session")
def suite(suite_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    running = start_suite(tmp_path_factory.mktemp("suite"), suite_env)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
async def seeded_suite(suite: Suite) -> Suite:
    """The suite with the test force's areas registered (activities must name a known area)."""
    async with httpx.AsyncClient(base_url=suite.base_url, headers=AUTH, timeout=10) as client:
        await seed_areas(client)
    return suite


@pytest.fixture
async def gateway(seeded_suite: Suite) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=seeded_suite.base_url, headers=AUTH, timeout=10) as c:
        yield c
