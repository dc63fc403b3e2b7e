"""Import jobs: stream a CSV/XLSX file into the responses with flat memory.

A job is queued and run by `queue.py`; its state lives in `survey_import`, so it can be
polled from any instance and survives a restart (a job whose worker died is picked up again;
imports are idempotent, so running one again is safe).

Rows are parsed and validated in a worker thread, a batch at a time, while the previous batch
is written; bad rows go to `survey_import_error` with row number, column and reason, and good
rows of the same file are kept. Two ways to write the good rows:

- first load of a survey on PostgreSQL: one `COPY survey_response FROM STDIN` (text format,
  produced by the parsing thread) in one transaction, so a million rows load at close to COPY
  speed. A respondent repeated within the file breaks the unique key: the load is rolled back
  and the staged path below runs instead;
- otherwise: good rows go to a temporary staging table (PostgreSQL: binary COPY via asyncpg;
  SQLite: batched executemany), then are merged in SQL with
  `INSERT ... ON CONFLICT (survey_id, respondent_id) DO UPDATE ... WHERE <something changed>`,
  which counts inserted, updated and unchanged rows. A respondent repeated within one file is
  rejected at its later rows.

Columns a file does not carry (ethnicity, weight, a question) keep their stored values.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import asyncpg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.survey.config import SurveySettings
from services.survey.imports import repository
from services.survey.imports.arrow_lines import ArrowLines, ArrowUnsuitable
from services.survey.imports.feed import Feed
from services.survey.imports.header import HeaderPlan, HeaderProblem, plan_header
from services.survey.imports.margin_check import unmatched_values
from services.survey.imports.repository import STAGE
from services.survey.imports.rows import RowError, RowValidator, london_today
from services.survey.imports.upload_source import RowSource, StoredUpload, UploadUnavailable
from services.survey.surveys.definition import SurveyDef, load_definition
from shared.db import Database, utcnow
from shared.jobs import JobLost, RunLater, keep_alive

logger = logging.getLogger("hub.survey.imports")

SQLITE_MERGE_CHUNK = 50_000
PROGRESS_EVERY_S = 0.5
ANALYZE_AFTER_ROWS = 10_000  # fresh planner statistics after a large import (PostgreSQL)


def scratch_path(settings: SurveySettings, job_id: str, file_format: str) -> Path:
    """The running instance's own copy of an XLSX upload (the database keeps the original)."""
    return settings.import_spool_dir / f"{job_id}.{file_format}"


@dataclass
class Batch:
    records: list[tuple[Any, ...]]
    errors: list[RowError]
    read: int
    rejected: int
    data: bytes = b""  # the good rows as COPY text, when the validator makes lines


def _batches(
    rows: Iterator[tuple[int, list[str]]], validator: RowValidator, size: int, *, lines: bool
) -> Callable[[], Batch | None]:
    """A function returning the next validated batch (None at the end); called from a worker
    thread."""

    def next_batch() -> Batch | None:
        if lines:
            data, errors, read, bad = validator.validate_lines(itertools.islice(rows, size))
            return Batch([], errors, read, bad, data.encode()) if read else None
        records, errors, read = validator.validate_rows(itertools.islice(rows, size))
        return Batch(records, errors, read, read - len(records)) if read else None

    return next_batch


def _arrow_batches(source: RowSource, validator: RowValidator) -> Callable[[], Batch | None]:
    """As `_batches` with lines, parsed and validated by `arrow_lines`; the reader is made in
    the worker thread of the first call (it reads the header)."""
    reader: list[ArrowLines] = []

    def next_batch() -> Batch | None:
        if not reader:
            raw = source.csv_bytes()
            assert raw is not None, "only a CSV has an Arrow path"
            reader.append(ArrowLines(validator, raw))
        found = reader[0].next_batch()
        if found is None:
            return None
        data, errors, read, bad = found
        return Batch([], errors, read, bad, data)

    return next_batch


class ImportFailed(Exception):
    pass


class ImportRun:
    """One execution of one job on one connection."""

    def __init__(
        self,
        conn: AsyncConnection,
        job_id: str,
        survey: SurveyDef,
        plan: HeaderPlan,
        *,
        postgres: bool,
        source: str = "import",
    ) -> None:
        self.conn = conn
        self.job_id = job_id
        self.survey = survey
        self.plan = plan
        self.postgres = postgres
        self.source = source
        self.columns = plan.stage_columns
        self.rows_read = 0
        self.rejected = 0

    async def create_stage(self) -> None:
        async with self.conn.begin():
            await repository.create_stage(self.conn, self.columns, postgres=self.postgres)

    async def drop_stage(self) -> None:
        try:
            async with self.conn.begin():
                await repository.drop_stage(self.conn)
        except Exception:  # the connection may be broken; it is discarded then
            logger.warning("could not drop the staging table of import %s", self.job_id)

    async def write_batch(self, batch: Batch) -> None:
        async with self.conn.begin():
            if batch.records:
                await repository.stage_records(
                    self.conn, self.columns, batch.records, postgres=self.postgres
                )
            if batch.errors:
                await repository.add_errors(self.conn, self._error_rows(batch.errors))
            self.rows_read += batch.read
            self.rejected += batch.rejected
            await repository.record_progress(
                self.conn, self.job_id, rows_read=self.rows_read, rejected=self.rejected
            )

    async def load_directly(self, db: Database, next_batch: Any) -> bool:
        """COPY good rows straight into `survey_response` (PostgreSQL, survey without responses).

        One COPY (text format, made by the worker thread that parses the file) streams the
        whole file in one transaction; rejected rows and progress are written on other
        connections, beside the COPY (`feed.Feed`). False (and nothing kept) when a respondent
        repeats within the file: the staged path follows.
        """
        columns = [
            "survey_id",
            *(c for c in self.columns if c != "row_no"),
            "source",
            "created_at",
            "updated_at",
        ]
        last_progress = [0.0]

        async def side_effects(batch: Batch) -> None:
            self.rows_read += batch.read
            self.rejected += batch.rejected
            clock = asyncio.get_running_loop().time()
            if not batch.errors and clock - last_progress[0] < PROGRESS_EVERY_S:
                return
            last_progress[0] = clock
            async with db.write_sessions() as other:
                if batch.errors:
                    await repository.add_errors(other, self._error_rows(batch.errors))
                await repository.record_progress(
                    other, self.job_id, rows_read=self.rows_read, rejected=self.rejected
                )
                await other.commit()

        feed = Feed(next_batch, side_effects)
        try:
            async with self.conn.begin():
                await repository.copy_responses(self.conn, columns, feed.chunks())
        except asyncpg.UniqueViolationError:
            await feed.close()  # no write of this load comes after its forgetting
            await self._forget_load(db)
            return False
        except ArrowUnsuitable:
            await feed.close()
            await self._forget_load(db)
            raise
        finally:
            await feed.close()
        return True

    async def _forget_load(self, db: Database) -> None:
        """After a direct load rolled back: its counts and its rejected rows."""
        self.rows_read = self.rejected = 0
        async with db.write_sessions() as other:
            await repository.delete_errors(other, self.job_id)
            await other.commit()

    def _error_rows(self, errors: list[RowError]) -> list[dict[str, Any]]:
        return [
            {"import_id": self.job_id, "row_number": n, "column": c, "reason": r}
            for n, c, r in errors
        ]

    async def reject_repeats(self) -> int:
        """Reject the later rows of a respondent repeated in this file; returns how many."""
        async with self.conn.begin():
            count = await repository.reject_repeats(self.conn, self.job_id)
            self.rejected += count
        return count

    def _params(self) -> dict[str, Any]:
        return {"survey_id": self.survey.id, "source": self.source, "now": utcnow()}

    async def merge(self) -> tuple[int, int]:
        """(inserted, updated)."""
        if self.postgres:
            return await self._merge_postgres()
        return await self._merge_sqlite()

    async def _merge_postgres(self) -> tuple[int, int]:
        for attempt in range(2):
            try:
                async with self.conn.begin():
                    return await repository.merge_stage_postgres(
                        self.conn, self.columns, self.plan.update_columns, self._params()
                    )
            except DBAPIError as exc:
                # A respondent repeated within the file: reject the repeats, then merge again.
                if attempt == 0 and "a second time" in str(exc.orig):
                    await self.reject_repeats()
                    continue
                raise
        raise ImportFailed("merge did not complete")

    async def _merge_sqlite(self) -> tuple[int, int]:
        async with self.conn.begin():
            await repository.index_stage(self.conn)
        await self.reject_repeats()
        async with self.conn.begin():
            first, last = await repository.staged_row_numbers(self.conn)
        if first is None or last is None:
            return 0, 0
        inserted = updated = 0
        for lo in range(first, last + 1, SQLITE_MERGE_CHUNK):
            hi = lo + SQLITE_MERGE_CHUNK - 1
            async with self.conn.begin():
                fresh, changed = await repository.merge_stage_sqlite(
                    self.conn, self.columns, self.plan.update_columns, self._params(), lo=lo, hi=hi
                )
                inserted += fresh
                updated += changed - fresh
                await repository.heartbeat(self.conn, self.job_id)
        return inserted, updated


async def run_import(db: Database, settings: SurveySettings, job_id: str) -> None:
    """Claim a job (queued, or running without a heartbeat: its worker died) and run it to
    `done` or `failed`, its heartbeat kept fresh; `RunLater` when a live worker has it."""
    now = utcnow()
    stale_s = settings.import_stale_seconds
    async with db.write_sessions() as session:
        claimed, job = await repository.claim_job(
            session, job_id, now, stale_before=now - timedelta(seconds=stale_s)
        )
        await session.commit()
    if not claimed:
        if job is not None and job.state == "running" and job.heartbeat_at is not None:
            wait = (job.heartbeat_at + timedelta(seconds=stale_s) - now).total_seconds()
            raise RunLater(max(1.0, wait + 1), "another worker is running this import")
        return
    path = scratch_path(settings, job_id, job.file_format)
    finished = False
    try:
        async with keep_alive(partial(_beat, db, job_id, now), stale_s / 4):
            await _execute(db, settings, job_id, job.survey_id, path, job.file_format)
        finished = True
    except (asyncio.CancelledError, JobLost):
        # Stopped (a shutdown), or taken over: leave the job and its file to whoever runs it.
        raise
    except Exception as exc:
        finished = True
        logger.exception("survey import %s failed", job_id)
        reason = str(exc) if isinstance(exc, ImportFailed | HeaderProblem) else None
        async with db.write_sessions() as session:
            await repository.fail_job(
                session,
                job_id,
                reason
                or f"The import stopped on an internal error ({type(exc).__name__}); "
                "rows already merged are kept. Import the file again to finish.",
            )
            await session.commit()
    finally:
        await anyio.Path(path).unlink(missing_ok=True)
        if finished:
            async with db.write_sessions() as session:
                await repository.delete_upload(session, job_id)
                await session.commit()


async def _beat(db: Database, job_id: str, claimed_at: datetime) -> bool:
    """The running job's heartbeat; False once another worker has claimed it since."""
    async with db.write_sessions() as session:
        alive = await repository.beat_job(session, job_id, claimed_at)
        await session.commit()
    return alive


async def _pipeline(next_batch: Any, write: Any) -> None:
    """Parse the next batch in a worker thread while the current one is written."""
    pending: asyncio.Future[Batch | None] = asyncio.ensure_future(
        anyio.to_thread.run_sync(next_batch)
    )
    try:
        while True:
            batch = await pending
            if batch is None:
                return
            pending = asyncio.ensure_future(anyio.to_thread.run_sync(next_batch))
            await write(batch)
    finally:
        if not pending.done():
            # The thread cannot be interrupted: let it finish before the file is closed.
            await asyncio.gather(pending, return_exceptions=True)


async def _has_responses(conn: AsyncConnection, survey_id: int) -> bool:
    async with conn.begin():
        return await repository.has_responses(conn, survey_id)


async def _execute(
    db: Database,
    settings: SurveySettings,
    job_id: str,
    survey_id: int,
    path: Path,
    file_format: str,
) -> None:
    upload = StoredUpload(db, job_id, file_format, path)
    try:
        await upload.check()
    except UploadUnavailable:
        raise ImportFailed("The uploaded file is no longer available; upload it again.") from None
    async with upload.open() as source:
        header = await anyio.to_thread.run_sync(source.header)
    async with db.engine.connect() as conn:
        survey = await load_definition(conn, survey_id=survey_id)
        await conn.rollback()
    if survey is None:
        raise ImportFailed("The survey was deleted.")
    plan = plan_header(survey, header)
    validator = RowValidator(plan, today=london_today())

    @asynccontextmanager
    async def batches(
        *, lines: bool = False, arrow: bool = False
    ) -> AsyncIterator[Callable[[], Batch | None]]:
        """The file read from its start, validated a batch at a time."""
        async with upload.open() as source:
            if arrow:
                yield _arrow_batches(source, validator)
            else:
                yield _batches(source.rows(), validator, settings.import_batch_rows, lines=lines)

    engine = db.engine.execution_options(hub_write=True) if db.sqlite else db.engine
    async with engine.connect() as conn:
        run = ImportRun(conn, job_id, survey, plan, postgres=not db.sqlite)
        inserted = updated = 0
        warnings: list[dict[str, Any]] = []
        done = False
        if run.postgres and not await _has_responses(conn, survey.id):
            # A first load: COPY straight into the responses in one transaction. A respondent
            # repeated in the file breaks the unique key; then the staged path below runs.
            # PostgreSQL reads `now` as the load transaction's start: parsing a timestamp
            # twice per row took a quarter of the COPY's time.
            validator.enable_lines([str(survey.id)], [run.source, "now", "now"])
            try:
                async with batches(lines=True, arrow=file_format == "csv") as next_batch:
                    done = await run.load_directly(db, next_batch)
            except ArrowUnsuitable as exc:  # read as iter_csv reads it: the Python path
                logger.info("import %s: the Python path reads the file (%s)", job_id, exc)
                async with batches(lines=True) as next_batch:
                    done = await run.load_directly(db, next_batch)
            inserted = run.rows_read - run.rejected
            if done:  # every response of the survey came from this file
                warnings = await unmatched_values(conn, "survey_response", survey.id)
        if not done:
            await run.create_stage()
            try:
                async with batches() as next_batch:
                    await _pipeline(next_batch, run.write_batch)
                warnings = await unmatched_values(conn, STAGE, survey.id, staged=True)
                inserted, updated = await run.merge()
            finally:
                await run.drop_stage()
        accepted = run.rows_read - run.rejected
        async with conn.begin():
            await repository.finish_job(
                conn,
                job_id,
                counts={
                    "rows_read": run.rows_read,
                    "rejected": run.rejected,
                    "accepted": accepted,
                    "inserted": inserted,
                    "updated": updated,
                    "unchanged": accepted - inserted - updated,
                },
                warnings=warnings,
            )
        if run.postgres and inserted + updated >= ANALYZE_AFTER_ROWS:
            # Fresh planner statistics right away (autovacuum would come later); the rows are
            # committed and the job is done already.
            async with conn.begin():
                await repository.analyze_responses(conn)
