"""Async database helpers used by every service: engines, sessions, naming convention.

SQLite (embedded default) runs in WAL mode with a busy timeout and foreign keys on; write
transactions start with ``BEGIN IMMEDIATE`` so two writers queue on the lock instead of
failing on a read-to-write upgrade. PostgreSQL (production) runs on asyncpg.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from sqlalchemy import DateTime, Dialect, MetaData, Table, TypeDecorator, event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.orm import registry
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.types import TypeEngine

# Explicit constraint names: Alembic batch migrations on SQLite need them to alter constraints.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 10_000
_WRITE_OPTION = "hub_write"


def table_of(model: type[Any]) -> Table:
    """The table of a model (SQLModel sets `__table__` on the class at runtime; its stubs do
    not declare it)."""
    table = model.__dict__["__table__"]
    assert isinstance(table, Table)
    return table


def service_registry() -> registry:
    """A registry with its own MetaData, so each service's tables stay apart (one per service)."""
    return registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` / `sqlite:///` URLs and pick the async drivers."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.get_driver_name() != "asyncpg":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif backend == "sqlite" and parsed.get_driver_name() != "aiosqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def create_engine(
    url: str,
    *,
    pool_size: int = 20,
    max_overflow: int = 0,
    echo: bool = False,
    foreign_keys: bool = True,
    pre_ping: bool = False,
) -> AsyncEngine:
    url = normalise_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = _create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_reset_on_return=None,
        )
        _configure_sqlite(engine, foreign_keys=foreign_keys)
        return engine
    return _create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=max_overflow,
        # Each of these costs a round trip per request; request_session always ends the
        # transaction itself, so the pool's reset-on-return ROLLBACK is redundant.
        pool_pre_ping=pre_ping,
        pool_reset_on_return=None,
        pool_recycle=1800,
    )


def _configure_sqlite(engine: AsyncEngine, *, foreign_keys: bool) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy (our "begin" hook) own transaction start, not the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # Off only for migrations: batch mode recreates tables that others reference.
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """One engine and two session factories (read, write) for a service."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 20,
        max_overflow: int = 0,
        echo: bool = False,
        pre_ping: bool = False,
    ) -> None:
        self.url = normalise_url(url)
        self.engine = create_engine(
            self.url, pool_size=pool_size, max_overflow=max_overflow, echo=echo, pre_ping=pre_ping
        )
        self.sqlite = is_sqlite(self.url)
        # Reads on PostgreSQL run in autocommit: no BEGIN/COMMIT round trips for a GET.
        read_bind = (
            self.engine
            if self.sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self.read_sessions = async_sessionmaker(read_bind, expire_on_commit=False)
        self.write_sessions = async_sessionmaker(
            self.engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False
        )
        # SQLite admits one writer at a time. Queueing writers of this process on an asyncio
        # lock is far cheaper than letting them poll SQLite's busy handler (which sleeps);
        # busy_timeout still covers the rare writer from another process.
        self.write_lock: asyncio.Lock | None = asyncio.Lock() if self.sqlite else None

    @asynccontextmanager
    async def write_session(self) -> AsyncIterator[AsyncSession]:
        """A session for writing; on SQLite, this process's writers take turns."""
        if self.write_lock is None:
            async with self.write_sessions() as session:
                yield session
            return
        async with self.write_lock, self.write_sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self, method: str) -> AsyncIterator[AsyncSession]:
        """One session committed once at the end (or rolled back): a request's unit of work.
        Reads (GET, HEAD, OPTIONS) get the read sessions, everything else a write session."""
        opener = self.read_sessions() if method in _READ_METHODS else self.write_session()
        async with opener as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def driver_connection(self) -> AsyncIterator[Any]:
        """A pooled connection's driver object (asyncpg / aiosqlite) in autocommit, for the
        hottest single-statement writes (see `DriverStatement`); on SQLite it writes in turn
        with this process's other writers. Never use it for more than one statement that must
        be atomic: each statement commits on its own."""
        async with self.write_lock or contextlib.nullcontext():
            raw = await self.engine.raw_connection()
            try:
                yield raw.driver_connection
            except BaseException:
                # It may be mid-statement (a failure, a cancellation): never hand it on.
                raw.invalidate()
                raise
            finally:
                raw.close()  # back to the pool (a fresh connection next time if invalidated)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The one session of a request, committed once at the boundary (or rolled back).

    Used with ``scope="function"`` so the commit happens before the response is sent: a
    client never sees a 201 for a row that then failed to commit. A write's audit record goes
    into the same transaction (`shared.audit`).
    """
    from shared.audit import audited_transaction  # the audit trail builds on this module

    async with audited_transaction(request) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC instants on both backends (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; the Hub stores UTC instants only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class DriverStatement:
    """A Core statement compiled once per dialect and run on a driver connection.

    For the hottest single-statement writes: no Session, no transaction objects, no
    BEGIN/COMMIT round trips (the statement autocommits, and a single statement is atomic).
    Parameters get the same bind processing SQLAlchemy gives them (each column type's own:
    UTC instants, UUIDs, JSON), so what is stored is what the ORM path would store.
    """

    def __init__(
        self, build: Callable[[str], ClauseElement], types: Mapping[str, TypeEngine[Any]]
    ) -> None:
        self._build = build  # dialect name -> the statement
        self._types = types  # bind parameter name -> its type
        self._compiled: dict[str, tuple[str, tuple[str, ...], tuple[Any, ...]]] = {}

    def _for(self, dialect: Dialect) -> tuple[str, tuple[str, ...], tuple[Any, ...]]:
        if dialect.name not in self._compiled:
            compiled = cast(SQLCompiler, self._build(dialect.name).compile(dialect=dialect))
            names = tuple(compiled.positiontup or ())
            processors = tuple(
                self._types[name].dialect_impl(dialect).bind_processor(dialect) for name in names
            )
            self._compiled[dialect.name] = (str(compiled), names, processors)
        return self._compiled[dialect.name]

    async def fetch_one(self, db: Database, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Run the statement on its own; its first row (RETURNING), or None."""
        sql, names, processors = self._for(db.engine.dialect)
        args = [
            params[name] if process is None else process(params[name])
            for name, process in zip(names, processors, strict=True)
        ]
        async with db.driver_connection() as driver:
            if not db.sqlite:
                row = await driver.fetchrow(sql, *args)
                return None if row is None else tuple(row)
            try:
                async with driver.execute(sql, args) as cursor:
                    row = await cursor.fetchone()
            except sqlite3.OperationalError as exc:
                # As SQLAlchemy would raise it, so "database is locked" is the same 503.
                raise OperationalError(sql, args, exc) from exc
            return None if row is None else tuple(row)


def insert_ignoring_conflicts(table: Table, dialect: str, index_elements: Sequence[str]) -> Any:
    """`INSERT ... ON CONFLICT (...) DO NOTHING` for PostgreSQL and SQLite alike."""
    if dialect == "postgresql":
        return pg_insert(table).on_conflict_do_nothing(index_elements=list(index_elements))
    return sqlite_insert(table).on_conflict_do_nothing(index_elements=list(index_elements))


def utcnow() -> datetime:
    return datetime.now(UTC)
