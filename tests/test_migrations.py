"""Every store's migrations (the services', the gateway's) reach `head` on SQLite and
PostgreSQL, and match the models."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from hub.services import STORES as SERVICES
from shared.db import create_engine
from shared.migrations import pending_diff, upgrade, version_table
from tests.support.databases import DatabaseFactory


@pytest.mark.parametrize("service", list(SERVICES))
async def test_upgrade_head_then_no_autogenerate_diff(
    service: str, databases: DatabaseFactory
) -> None:
    url = await databases.empty(f"mig_{service}")
    await upgrade(service, url)
    await upgrade(service, url)  # a second run is a no-op, not an error
    diff = await pending_diff(service, url, SERVICES[service].metadata())
    assert diff == [], f"{service}: models and migrations disagree: {diff}"

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
    finally:
        await engine.dispose()
    assert version_table(service) in tables
    own = [t for t in tables if t != version_table(service)]
    assert own
    # Every table a service owns carries its prefix, so services can share one database.
    assert all(t.startswith(f"{service}_") or t.startswith(f"fts_{service}") for t in own), own


async def test_services_share_one_database_without_clashing(databases: DatabaseFactory) -> None:
    url = await databases.empty("shared_all")
    for service in SERVICES:
        await upgrade(service, url)
    for service in SERVICES:
        assert await pending_diff(service, url, SERVICES[service].metadata()) == []
