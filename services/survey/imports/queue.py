"""How import jobs are queued and run (`shared.jobs`).

PostgreSQL: pgqueuer. The job goes into the queue in the transaction that stores the import
and its file, every instance with `SURVEY_IMPORT_CONSUMER` on runs queued imports, and an
import whose instance died (its heartbeat older than `SURVEY_IMPORT_STALE_SECONDS`) is picked
up by another. The embedded SQLite store: tasks of this process, resumed at start-up.

`survey_import.state` stays the truth the API serves: the queue only says who should look at a
job next. Running one means claiming it first (`run.run_import`: queued, or running with a
stale heartbeat, to running, in one conditional UPDATE), so a job never runs twice at once;
running it again after a crash is safe, as imports are idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from services.survey.config import SurveySettings
from services.survey.imports import repository
from services.survey.imports.run import run_import
from shared.db import Database, utcnow
from shared.jobs import InProcessJobQueue, JobLost, JobQueue, PgJobQueue, PgQueueConfig

logger = logging.getLogger("hub.survey.imports")

# The queue's objects are `survey_pgqueuer`, `survey_pgqueuer_log`, ... (migration 7c4e1a9b3d52).
QUEUE_PREFIX = "survey_"
ENTRYPOINT = "survey_import"


def build_import_queue(db: Database, settings: SurveySettings) -> JobQueue:
    async def run(job_id: str) -> None:
        try:
            await run_import(db, settings, job_id)
        except JobLost:
            logger.warning("survey import %s was taken over by another instance", job_id)

    async def pending() -> list[str]:
        return await orphaned_jobs(db, settings)

    async def interrupted(job_ids: Sequence[str]) -> None:
        await requeue_interrupted(db, job_ids)

    if db.sqlite:
        return InProcessJobQueue(
            run, concurrency=settings.import_concurrency, pending=pending, interrupted=interrupted
        )
    config = PgQueueConfig(
        database_url=db.url,
        prefix=QUEUE_PREFIX,
        entrypoint=ENTRYPOINT,
        concurrency=settings.import_concurrency,
        stale=timedelta(seconds=settings.import_stale_seconds),
        consume=settings.import_consumer,
    )
    return PgJobQueue(config, run, pending=pending, interrupted=interrupted)


async def orphaned_jobs(db: Database, settings: SurveySettings) -> list[str]:
    """The jobs to queue again: every queued one whose file is kept, after the running ones
    without a heartbeat for `import_stale_seconds` (their worker died) are queued again."""
    stale = utcnow() - timedelta(seconds=settings.import_stale_seconds)
    async with db.write_sessions() as session:
        await repository.requeue_stale_jobs(session, stale)
        queued = await repository.queued_job_ids(session)
        await session.commit()
    async with db.engine.connect() as conn:
        kept = [job_id for job_id in queued if await repository.upload_exists(conn, job_id)]
        await conn.rollback()
    return kept


async def requeue_interrupted(db: Database, job_ids: Sequence[str]) -> None:
    """Jobs this instance stopped running (it is shutting down) are queued again."""
    async with db.write_sessions() as session:
        await repository.requeue_jobs(session, job_ids)
        await session.commit()
