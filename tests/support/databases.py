"""Test databases: one migrated template per service, cloned for every test.

SQLite: the template file is copied. PostgreSQL: `CREATE DATABASE ... TEMPLATE ...`, so every
test starts from exactly what `upgrade head` produced, and tests never see each other's rows.

Set `HUB_TEST_POSTGRES_URL` (e.g. `postgresql://postgres@127.0.0.1:5432/postgres`, a maintenance
database the tests may connect to) to run on PostgreSQL; otherwise SQLite is used. Under
`CI=true` an unreachable PostgreSQL is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from shared.migrations import upgrade

SERVICES = ("activity", "survey", "kpi", "gateway")


def postgres_admin_url() -> str | None:
    return os.environ.get("HUB_TEST_POSTGRES_URL") or None


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@dataclass
class DatabaseFactory:
    """Makes migrated databases for one test run and drops them at the end."""

    workdir: Path
    admin_url: str | None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    templates: dict[str, str] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)

    @property
    def backend(self) -> str:
        return "postgresql" if self.admin_url else "sqlite"

    async def _admin(self, sql: str) -> None:
        assert self.admin_url
        conn = await asyncpg.connect(_asyncpg_dsn(self.admin_url), timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def check_reachable(self) -> None:
        if self.admin_url:
            await self._admin("SELECT 1")

    async def empty(self, label: str) -> str:
        """A new, unmigrated database."""
        name = f"hubt_{self.run_id}_{label}_{uuid.uuid4().hex[:6]}"
        if self.admin_url is None:
            return f"sqlite+aiosqlite:///{self.workdir / (name + '.db')}"
        await self._admin(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return _asyncpg_dsn(self.admin_url, name).replace("postgresql://", "postgresql+asyncpg://")

    async def template(self, service: str) -> str:
        if service not in self.templates:
            url = await self.empty(f"{service}_tmpl")
            await upgrade(service, url)
            self.templates[service] = url
        return self.templates[service]

    async def fresh(self, service: str) -> str:
        """A database at `head` for `service`, private to the caller."""
        template = await self.template(service)
        name = f"hubt_{self.run_id}_{service}_{uuid.uuid4().hex[:10]}"
        if self.admin_url is None:
            source = Path(make_url(template).database or "")
            target = self.workdir / (name + ".db")
            shutil.copyfile(source, target)
            return f"sqlite+aiosqlite:///{target}"
        template_name = make_url(template).database
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
        self.created.append(name)
        return _asyncpg_dsn(self.admin_url, name).replace("postgresql://", "postgresql+asyncpg://")

    async def drop_all(self) -> None:
        if self.admin_url is None:
            return
        for name in reversed(self.created):
            # Connections may linger a moment after engines are disposed.
            await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()
