"""Managed API keys: created, listed and revoked at runtime, looked up on every request.

Keys look like `hub_<id>_<secret>`. A request's lookup is cheap: the id part finds the row
by primary key, rows are cached in this process, and the secret is checked against the stored
SHA-256. Revocation must hold at once on every replica, so a cached row is trusted only
while the store's key version (one row, bumped by every revocation in the same transaction)
is the one the cache was filled at. Each managed-key request reads that version, but reads
are coalesced: requests arriving while a read runs share the next one, so under load a
replica sends about one tiny primary-key SELECT per round trip to the store, not one per
request. (Redis pub/sub would save even that, at the price of a second moving part whose
missed message means a revoked key lives on; the version read cannot miss.) Expiry needs no
store: it is checked against the clock on every use.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gateway.keys.models import ApiKey, KeyVersion
from shared.auth import Principal, hash_secret
from shared.db import Database, utcnow
from shared.problems import ProblemError

logger = logging.getLogger("hub.gateway.keys")

KEY_PREFIX = "hub_"
T = TypeVar("T")
CACHE_MAX = 10_000


def new_key() -> tuple[str, str]:
    """(id, full secret key)."""
    key_id = secrets.token_hex(6)
    return key_id, f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(secret: str) -> str | None:
    if not secret.startswith(KEY_PREFIX):
        return None
    key_id, sep, rest = secret[len(KEY_PREFIX) :].partition("_")
    if not sep or not rest or len(key_id) != 12:
        return None
    return key_id


class Coalesced(Generic[T]):
    """Each caller gets a value read after it asked; callers that ask while a read runs share
    the next read."""

    def __init__(self, read: Callable[[], Awaitable[T]]) -> None:
        self._read = read
        self._running: asyncio.Future[T] | None = None
        self._next: asyncio.Future[T] | None = None

    async def get(self) -> T:
        if self._running is None:
            self._start()
            assert self._running is not None
            return await asyncio.shield(self._running)
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        return await asyncio.shield(self._next)

    def _start(self) -> None:
        running = asyncio.ensure_future(self._read())
        self._running = running
        running.add_done_callback(self._finished)

    def _finished(self, done: asyncio.Future[T]) -> None:
        self._running = None
        waiting, self._next = self._next, None
        if waiting is None:
            return
        self._start()
        assert self._running is not None

        def hand_on(result: asyncio.Future[T]) -> None:
            if waiting.done():
                return
            if result.cancelled():
                waiting.cancel()
            elif result.exception() is not None:
                waiting.set_exception(result.exception())
            else:
                waiting.set_result(result.result())

        self._running.add_done_callback(hand_on)


@dataclass(frozen=True)
class CachedKey:
    secret_hash: str
    principal: Principal
    expires_at: datetime | None
    revoked: bool


def _usable(cached: CachedKey) -> Principal | None:
    if cached.revoked:
        return None
    if cached.expires_at is not None and cached.expires_at <= utcnow():
        return None
    return cached.principal


class ManagedKeys:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[str, CachedKey] = {}
        self._cache_version: int | None = None
        self._version = Coalesced(self._read_version)

    async def _read_version(self) -> int:
        async with self.db.read_sessions() as session:
            value = (await session.execute(select(col(KeyVersion.version)))).scalar()
        return int(value or 0)

    async def lookup(self, secret: str) -> Principal | None:
        key_id = key_id_of(secret)
        if key_id is None:
            return None
        try:
            return await self._lookup(key_id, secret)
        except (SQLAlchemyError, OSError) as exc:
            logger.warning("the key store is unavailable: %r", exc)
            raise ProblemError(
                503,
                "API keys cannot be checked just now; retry shortly.",
                headers={"Retry-After": "1"},
            ) from exc

    async def by_id(self, key_id: str) -> Principal | None:
        """The key `key_id` while it is neither revoked nor expired, checked as a lookup is
        (a dashboard session names its key: a revoked key ends its sessions at once)."""
        try:
            cached = await self._current(key_id)
        except (SQLAlchemyError, OSError) as exc:
            logger.warning("the key store is unavailable: %r", exc)
            raise ProblemError(
                503,
                "API keys cannot be checked just now; retry shortly.",
                headers={"Retry-After": "1"},
            ) from exc
        return None if cached is None else _usable(cached)

    async def _lookup(self, key_id: str, secret: str) -> Principal | None:
        cached = await self._current(key_id)
        if cached is None or not hmac.compare_digest(cached.secret_hash, hash_secret(secret)):
            return None
        return _usable(cached)

    async def _current(self, key_id: str) -> CachedKey | None:
        version = await self._version.get()
        if version != self._cache_version:
            self._cache.clear()
            self._cache_version = version
        cached = self._cache.get(key_id)
        if cached is None:
            cached = await self._load(key_id)
            if cached is None:
                return None
            if len(self._cache) >= CACHE_MAX:
                self._cache.clear()
            self._cache[key_id] = cached
        return cached

    async def _load(self, key_id: str) -> CachedKey | None:
        async with self.db.read_sessions() as session:
            row = await session.get(ApiKey, key_id)
        if row is None:
            return None
        return CachedKey(
            row.secret_hash,
            Principal(
                f"key:{row.id}",
                frozenset(row.scopes),
                None if row.districts is None else frozenset(row.districts),
            ),
            row.expires_at,
            row.revoked_at is not None,
        )

    # --- administration (in the request's transaction) --------------------------------

    @staticmethod
    async def create(
        session: AsyncSession,
        *,
        name: str,
        scopes: list[str],
        districts: list[str] | None,
        expires_at: datetime | None,
        created_by: str,
    ) -> tuple[ApiKey, str]:
        key_id, secret = new_key()
        row = ApiKey(
            id=key_id,
            name=name,
            secret_hash=hash_secret(secret),
            scopes=sorted(set(scopes)),
            districts=None if districts is None else sorted(set(districts)),
            expires_at=expires_at,
            created_by=created_by,
        )
        session.add(row)
        await session.flush()
        return row, secret

    @staticmethod
    async def list(session: AsyncSession, *, include_revoked: bool) -> list[ApiKey]:
        stmt = select(ApiKey).order_by(col(ApiKey.created_at).desc(), col(ApiKey.id))
        if not include_revoked:
            stmt = stmt.where(col(ApiKey.revoked_at).is_(None))
        return list((await session.execute(stmt)).scalars())

    @staticmethod
    async def revoke(session: AsyncSession, key_id: str) -> ApiKey | None:
        row = await session.get(ApiKey, key_id)
        if row is None:
            return None
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            await session.flush()
            # Every replica's cache is stale from this commit on.
            await session.execute(
                update(KeyVersion)
                .where(col(KeyVersion.id) == 1)
                .values(version=col(KeyVersion.version) + 1)
            )
        return row
