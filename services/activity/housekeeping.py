"""Background housekeeping of the activity service.

- Forgetting expired Idempotency-Keys: kept at least `ACTIVITY_IDEMPOTENCY_TTL_HOURS` (default
  48, never under 24); an hourly task deletes the ones past their expiry, so the table stays
  bounded.
- Folding the monthly count changes that PostgreSQL's triggers append into the monthly counts,
  every `ACTIVITY_MONTH_COUNT_FOLD_SECONDS` (default 5), so aggregates read few rows. Answers
  are exact whether or not a fold has run; on SQLite there is nothing to fold.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from services.activity.activities import repository as activities_repository
from services.activity.analytics import repository as analytics_repository
from shared.db import Database, utcnow

logger = logging.getLogger("hub.activity.housekeeping")

PURGE_INTERVAL_S = 3600.0


async def purge_once(db: Database) -> int:
    async with db.write_sessions() as session:
        removed = await activities_repository.purge_expired_idempotency_keys(session, utcnow())
        await session.commit()
    return removed


async def fold_once(db: Database) -> int:
    async with db.write_sessions() as session:
        touched = await analytics_repository.fold_month_counts(session)
        await session.commit()
    return touched


async def _every(interval: float, name: str, job: Callable[[], Awaitable[int]]) -> None:
    while True:
        try:
            done = await job()
            if done:
                logger.debug("%s: %d", name, done)
        except Exception:  # keep the service up; the next round retries
            logger.exception("%s failed", name)
        await asyncio.sleep(interval)


async def start(app: FastAPI) -> None:
    db: Database = app.state.db
    tasks = [
        asyncio.create_task(
            _every(PURGE_INTERVAL_S, "forget expired idempotency keys", lambda: purge_once(db))
        )
    ]
    if not db.sqlite:
        interval = app.state.settings.month_count_fold_seconds
        tasks.append(
            asyncio.create_task(_every(interval, "fold monthly counts", lambda: fold_once(db)))
        )
    app.state.housekeeping = tasks


async def stop(app: FastAPI) -> None:
    tasks: list[asyncio.Task[None]] = getattr(app.state, "housekeeping", [])
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
