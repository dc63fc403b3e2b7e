"""Managed keys in the gateway's store (`gateway/keys/store.py`): unit rules beside the
process tests of tests/gateway/test_access_keys.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from gateway.keys.store import Coalesced, ManagedKeys, key_id_of
from shared.db import Database, utcnow
from tests.support.databases import DatabaseFactory


@pytest.fixture
async def store_db(databases: DatabaseFactory) -> AsyncIterator[Database]:
    db = Database(await databases.fresh("gateway"))
    yield db
    await db.dispose()


async def _create(db: Database, **overrides: object) -> tuple[str, str]:
    values: dict[str, object] = {
        "name": "tablet",
        "scopes": ["activity:read"],
        "districts": ["NSM"],
        "expires_at": None,
        "created_by": "bootstrap",
        **overrides,
    }
    async with db.transaction("POST") as session:
        row, secret = await ManagedKeys.create(session, **values)  # type: ignore[arg-type]
    return row.id, secret


async def test_a_key_is_found_by_its_id_part_and_checked_by_its_secret(store_db: Database) -> None:
    key_id, secret = await _create(store_db)
    keys = ManagedKeys(store_db)
    principal = await keys.lookup(secret)
    assert principal is not None
    assert principal.key_id == f"key:{key_id}"
    assert principal.districts == frozenset({"NSM"})
    assert await keys.lookup(secret[:-1] + ("x" if secret[-1] != "x" else "y")) is None
    assert await keys.lookup(f"hub_{'0' * 12}_whatever") is None
    assert key_id_of("not-a-hub-key") is None
    assert key_id_of(f"hub_{key_id}_") is None


async def test_a_revocation_by_another_replica_holds_at_once(store_db: Database) -> None:
    _, secret = await _create(store_db)
    here, there = ManagedKeys(store_db), ManagedKeys(store_db)
    assert await here.lookup(secret) is not None  # cached here now
    key_id = key_id_of(secret)
    assert key_id is not None
    async with store_db.transaction("DELETE") as session:
        assert await ManagedKeys.revoke(session, key_id) is not None
    assert await here.lookup(secret) is None
    assert await there.lookup(secret) is None


async def test_an_expired_key_is_refused_without_the_store(store_db: Database) -> None:
    _, secret = await _create(store_db, expires_at=utcnow() + timedelta(milliseconds=300))
    keys = ManagedKeys(store_db)
    assert await keys.lookup(secret) is not None
    await asyncio.sleep(0.4)
    assert await keys.lookup(secret) is None


async def test_coalesced_reads_are_shared_and_never_older_than_the_ask() -> None:
    reads: list[int] = []
    gate = asyncio.Event()

    async def read() -> int:
        reads.append(len(reads) + 1)
        number = len(reads)
        await gate.wait()
        return number

    coalesced = Coalesced(read)
    first = asyncio.create_task(coalesced.get())
    await asyncio.sleep(0)
    # Asked while read 1 runs: they share read 2, which starts after read 1 ends.
    later = [asyncio.create_task(coalesced.get()) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    assert await first == 1
    assert await asyncio.gather(*later) == [2] * 5
    assert reads == [1, 2]
