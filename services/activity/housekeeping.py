"""Background housekeeping of the activity service: forgetting expired Idempotency-Keys.

Keys are kept at least `ACTIVITY_IDEMPOTENCY_TTL_HOURS` (default 48, never under 24); an
hourly task deletes the ones past their expiry, so the table stays bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI

from services.activity import repository
from shared.db import Database, utcnow

logger = logging.getLogger("hub.activity.housekeeping")

PURGE_INTERVAL_S = 3600.0


async def purge_once(db: Database) -> int:
    async with db.write_sessions() as session:
        removed = await repository.purge_expired_idempotency_keys(session, utcnow())
        await session.commit()
    return removed


async def _loop(db: Database, interval: float) -> None:
    while True:
        try:
            removed = await purge_once(db)
            if removed:
                logger.info("forgot %d expired idempotency keys", removed)
        except Exception:  # keep the service up; the next round retries
            logger.exception("idempotency key purge failed")
        await asyncio.sleep(interval)


async def start(app: FastAPI) -> None:
    app.state.housekeeping = asyncio.create_task(_loop(app.state.db, PURGE_INTERVAL_S))


async def stop(app: FastAPI) -> None:
    task: asyncio.Task[None] | None = getattr(app.state, "housekeeping", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
