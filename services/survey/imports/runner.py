"""The job runner: import jobs run as tasks of this process, a few at a time; jobs left queued
or interrupted are queued again at start-up (`recover`) and on shutdown (`close`)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import select, update

from services.survey.config import SurveySettings
from services.survey.imports import repository
from services.survey.imports.repository import JOBS
from services.survey.imports.run import run_import
from shared.db import Database, utcnow

logger = logging.getLogger("hub.survey.imports")


class ImportRunner:
    """Runs import jobs as tasks of this process, a few at a time."""

    def __init__(self, db: Database, settings: SurveySettings) -> None:
        self.db = db
        self.settings = settings
        self.tasks: set[asyncio.Task[None]] = set()
        self.slots = asyncio.Semaphore(settings.import_concurrency)
        self.running: set[str] = set()

    def submit(self, job_id: str) -> None:
        task = asyncio.get_running_loop().create_task(self._run(job_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, job_id: str) -> None:
        async with self.slots:
            self.running.add(job_id)
            try:
                await run_import(self.db, self.settings, job_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("survey import %s could not be run", job_id)
            finally:
                self.running.discard(job_id)

    async def recover(self) -> int:
        """Queue again the jobs left queued, or running without a heartbeat (a crash)."""
        stale = utcnow() - timedelta(seconds=self.settings.import_stale_seconds)
        async with self.db.write_sessions() as session:
            await session.execute(
                update(JOBS)
                .where(JOBS.c.state == "running", JOBS.c.heartbeat_at < stale)
                .values(state="queued")
            )
            rows = (
                await session.execute(
                    select(JOBS.c.id, JOBS.c.file_format).where(JOBS.c.state == "queued")
                )
            ).all()
            await session.commit()
        count = 0
        async with self.db.engine.connect() as conn:
            for job_id, _ in rows:
                if await repository.upload_exists(conn, job_id):
                    self.submit(job_id)
                    count += 1
            await conn.rollback()
        return count

    async def close(self) -> None:
        """Stop: interrupted jobs go back to `queued`, so the next start runs them again."""
        interrupted = set(self.running)
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        if interrupted:
            try:
                async with self.db.write_sessions() as session:
                    await session.execute(
                        update(JOBS)
                        .where(JOBS.c.id.in_(sorted(interrupted)), JOBS.c.state == "running")
                        .values(state="queued")
                    )
                    await session.commit()
            except Exception:  # the database may be gone too: the stale rule catches these
                logger.warning("could not re-queue interrupted survey imports %s", interrupted)

    async def wait_idle(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
