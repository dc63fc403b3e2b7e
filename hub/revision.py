"""Autogenerate a revision for one service against a scratch SQLite database at head."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from alembic import command

from shared.migrations import alembic_config, upgrade


def make_revision(service: str, message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'scratch.db'}"
        asyncio.run(upgrade(service, url))
        command.revision(alembic_config(service, url), message=message, autogenerate=True)
