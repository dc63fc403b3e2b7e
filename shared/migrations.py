"""Alembic plumbing shared by the per-service environments under `migrations/<service>/`.

Each service has its own script directory and its own version table
(`<service>_alembic_version`), so the services can share one database or use one each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from shared.db import create_engine, normalise_url

MIGRATIONS_ROOT = Path(__file__).resolve().parent.parent / "migrations"


def version_table(service: str) -> str:
    return f"{service}_alembic_version"


def _context_options(metadata: MetaData, service: str) -> dict[str, Any]:
    return {
        "target_metadata": metadata,
        "version_table": version_table(service),
        # SQLite cannot ALTER most things; batch mode recreates tables (harmless on PostgreSQL).
        "render_as_batch": True,
        "compare_type": True,
        "include_name": lambda name, type_, _parent: _compared(service, name, type_),
    }


def _compared(service: str, name: str | None, type_: str) -> bool:
    """Only the service's own tables; never `fts_*` objects (full-text search built by hand
    per database: an FTS5 table on SQLite, a generated column and GIN index on PostgreSQL)
    nor `brin_*` indexes (PostgreSQL only, created by hand in the migrations), nor the job
    queue's `<service>_pgqueuer*` tables (pgqueuer's own, installed by a migration on
    PostgreSQL; `shared.jobs`)."""
    if name is None:
        return True
    if name.startswith("fts_") or (type_ == "index" and name.startswith("brin_")):
        return False
    if type_ == "table" and name.startswith(f"{service}_pgqueuer"):
        return False
    return type_ != "table" or name.startswith(f"{service}_")


def run_env(metadata: MetaData, service: str) -> None:
    """Body of every `migrations/<service>/env.py`."""
    config = context.config
    options = _context_options(metadata, service)
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"), literal_binds=True, **options
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection, options)
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url, "set sqlalchemy.url or pass a connection"
    asyncio.run(_run_async(url, options))


def _run_on(connection: Connection, options: dict[str, Any]) -> None:
    context.configure(connection=connection, **options)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, options: dict[str, Any]) -> None:
    engine = create_engine(url, foreign_keys=False)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run_on, options)
    finally:
        await engine.dispose()


def alembic_config(service: str, url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_ROOT / service))
    if url:
        cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


async def upgrade(service: str, url: str, revision: str = "head") -> None:
    """Apply migrations of one service to `url` (safe inside a running event loop)."""
    await _run_command(command.upgrade, service, url, revision)


async def downgrade(service: str, url: str, revision: str) -> None:
    """Undo migrations of one service on `url` down to `revision`."""
    await _run_command(command.downgrade, service, url, revision)


async def _run_command(
    step: Callable[[Config, str], None], service: str, url: str, revision: str
) -> None:
    """An Alembic command in one transaction on a connection of our own async engine."""
    cfg = alembic_config(service, url)
    engine = create_engine(url, foreign_keys=False)
    try:
        async with engine.begin() as conn:

            def _run(sync_conn: Connection) -> None:
                cfg.attributes["connection"] = sync_conn
                step(cfg, revision)

            await conn.run_sync(_run)
    finally:
        await engine.dispose()


async def pending_diff(service: str, url: str, metadata: MetaData) -> list[Any]:
    """What autogenerate would still write: empty when models and migrations agree."""
    engine = create_engine(url, foreign_keys=False)
    options = _context_options(metadata, service)
    try:
        async with engine.connect() as conn:

            def _compare(sync_conn: Connection) -> list[Any]:
                mc = MigrationContext.configure(
                    sync_conn,
                    opts={
                        "version_table": options["version_table"],
                        "compare_type": True,
                        "include_name": options["include_name"],
                    },
                )
                return list(compare_metadata(mc, metadata))

            return await conn.run_sync(_compare)
    finally:
        await engine.dispose()
