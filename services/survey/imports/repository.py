"""Queries of import jobs: the job rows, the uploaded files, the rejected cells, and the
staging table a run merges from. Flushes, never commits: the request boundary commits, and a
run (`run.py`) opens the transactions of its own connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import date, datetime
from typing import Any, BinaryIO

import anyio
from sqlalchemy import Row, and_, bindparam, delete, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.survey.imports.models import ImportJob, ImportRowError, ImportUploadChunk
from shared.db import UTCDateTime, table_of, utcnow

JOBS = table_of(ImportJob)
UPLOADS = table_of(ImportUploadChunk)
ERRORS = table_of(ImportRowError)
STAGE = "survey_import_stage"
UPLOAD_CHUNK_BYTES = 1024 * 1024
UPLOAD_CHUNKS_PER_INSERT = 8  # 8 MiB a statement: flat memory for files of any size

_PG_TYPES = {
    "row_no": "integer",
    "interview_date": "date",
    "weight": "double precision",
}


# --- jobs -----------------------------------------------------------------------------------


async def add_job(session: AsyncSession, job: ImportJob) -> None:
    session.add(job)
    await session.flush()


async def get_job(session: AsyncSession, job_id: str) -> ImportJob | None:
    return await session.get(ImportJob, job_id)


async def import_exists(session: AsyncSession, job_id: str) -> bool:
    return await session.get(ImportJob, job_id) is not None


async def claim_job(
    session: AsyncSession, job_id: str, now: datetime, *, stale_before: datetime
) -> tuple[bool, Any]:
    """(claimed, the job's row, None when it is gone). Claimed: it was queued, or running
    without a heartbeat since `stale_before` (its worker died), and is now `running` for the
    caller, whose claim is `started_at = now`; a re-run's earlier rejected cells are dropped
    (it reports them again)."""
    claimed = await session.execute(
        update(JOBS)
        .where(
            JOBS.c.id == job_id,
            or_(
                JOBS.c.state == "queued",
                and_(JOBS.c.state == "running", JOBS.c.heartbeat_at < stale_before),
            ),
        )
        .values(state="running", started_at=now, heartbeat_at=now)
    )
    job = (await session.execute(select(JOBS).where(JOBS.c.id == job_id))).one_or_none()
    if claimed.rowcount:  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        await session.execute(delete(ERRORS).where(ERRORS.c.import_id == job_id))
    return bool(claimed.rowcount), job  # type: ignore[attr-defined]  # an UPDATE's CursorResult


async def beat_job(session: AsyncSession, job_id: str, claimed_at: datetime) -> bool:
    """The heartbeat of the run that claimed the job at `claimed_at`; False when another run
    has claimed it since (it is `running` under another claim)."""
    beat = await session.execute(
        update(JOBS)
        .where(JOBS.c.id == job_id, JOBS.c.state == "running", JOBS.c.started_at == claimed_at)
        .values(heartbeat_at=utcnow())
    )
    if beat.rowcount:  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        return True
    state = await session.execute(select(JOBS.c.state).where(JOBS.c.id == job_id))
    return state.scalar_one_or_none() != "running"


async def requeue_stale_jobs(session: AsyncSession, stale_before: datetime) -> None:
    """Running jobs without a heartbeat since `stale_before` (their worker died) are queued."""
    await session.execute(
        update(JOBS)
        .where(JOBS.c.state == "running", JOBS.c.heartbeat_at < stale_before)
        .values(state="queued")
    )


async def requeue_jobs(session: AsyncSession, job_ids: Sequence[str]) -> None:
    """Running jobs their worker stopped (it is shutting down) are queued again."""
    await session.execute(
        update(JOBS)
        .where(JOBS.c.id.in_(sorted(job_ids)), JOBS.c.state == "running")
        .values(state="queued")
    )


async def queued_job_ids(session: AsyncSession) -> list[str]:
    found = await session.execute(select(JOBS.c.id).where(JOBS.c.state == "queued"))
    return [job_id for (job_id,) in found.all()]


async def fail_job(session: AsyncSession, job_id: str, failure: str) -> None:
    await session.execute(
        update(JOBS)
        .where(JOBS.c.id == job_id)
        .values(state="failed", finished_at=utcnow(), failure=failure)
    )


async def record_progress(
    conn: AsyncConnection | AsyncSession, job_id: str, *, rows_read: int, rejected: int
) -> None:
    await conn.execute(
        update(JOBS)
        .where(JOBS.c.id == job_id)
        .values(rows_read=rows_read, rejected=rejected, heartbeat_at=utcnow())
    )


async def heartbeat(conn: AsyncConnection, job_id: str) -> None:
    await conn.execute(update(JOBS).where(JOBS.c.id == job_id).values(heartbeat_at=utcnow()))


async def finish_job(
    conn: AsyncConnection, job_id: str, *, counts: dict[str, int], warnings: list[dict[str, Any]]
) -> None:
    """The job `done`: its row counts (rows_read, rejected, accepted, inserted, ...)."""
    now = utcnow()
    await conn.execute(
        update(JOBS)
        .where(JOBS.c.id == job_id)
        .values(state="done", **counts, warnings=warnings, finished_at=now, heartbeat_at=now)
    )


async def has_responses(conn: AsyncConnection, survey_id: int) -> bool:
    found = await conn.execute(
        text("SELECT 1 FROM survey_response WHERE survey_id = :sid LIMIT 1"), {"sid": survey_id}
    )
    return found.first() is not None


# --- uploads and rejected cells -------------------------------------------------------------


def _read_groups(fh: BinaryIO) -> Iterator[list[bytes]]:
    group: list[bytes] = []
    while chunk := fh.read(UPLOAD_CHUNK_BYTES):
        group.append(chunk)
        if len(group) == UPLOAD_CHUNKS_PER_INSERT:
            yield group
            group = []
    if group:
        yield group


async def store_upload(session: AsyncSession, import_id: str, source: BinaryIO) -> None:
    """The uploaded file (a seekable file object, read from its start), in 1 MiB chunks,
    beside its job row."""
    seq = 0
    await anyio.to_thread.run_sync(source.seek, 0)
    groups = _read_groups(source)
    while (group := await anyio.to_thread.run_sync(next, groups, None)) is not None:
        rows = [{"import_id": import_id, "seq": seq + k, "data": c} for k, c in enumerate(group)]
        await session.execute(insert(UPLOADS), rows)
        seq += len(group)


async def upload_exists(conn: AsyncConnection | AsyncSession, import_id: str) -> bool:
    stmt = select(UPLOADS.c.seq).where(UPLOADS.c.import_id == import_id).limit(1)
    return (await conn.execute(stmt)).first() is not None


async def upload_chunk(conn: AsyncConnection, import_id: str, seq: int) -> bytes | None:
    stmt = select(UPLOADS.c.data).where(UPLOADS.c.import_id == import_id, UPLOADS.c.seq == seq)
    data = (await conn.execute(stmt)).scalar_one_or_none()
    return None if data is None else bytes(data)


async def delete_upload(conn: AsyncConnection | AsyncSession, import_id: str) -> None:
    await conn.execute(delete(UPLOADS).where(UPLOADS.c.import_id == import_id))


async def import_errors_page(
    session: AsyncSession, import_id: str, *, after: tuple[int, int] | None, limit: int
) -> list[tuple[int, int, str, str]]:
    """(row number, id, column, reason) of an import's rejected cells after the keyset
    cursor (row number, id), in that order."""
    stmt = select(ERRORS.c.row_number, ERRORS.c.id, ERRORS.c.column, ERRORS.c.reason).where(
        ERRORS.c.import_id == import_id
    )
    if after is not None:
        stmt = stmt.where(
            # The plain bound starts the index range at the cursor; the OR alone was a
            # filter, and every page rescanned the errors before it.
            ERRORS.c.row_number >= after[0],
            or_(
                ERRORS.c.row_number > after[0],
                and_(ERRORS.c.row_number == after[0], ERRORS.c.id > after[1]),
            ),
        )
    stmt = stmt.order_by(ERRORS.c.row_number, ERRORS.c.id).limit(limit)
    return [(r[0], r[1], r[2], r[3]) for r in (await session.execute(stmt)).all()]


async def add_errors(conn: AsyncConnection | AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Rejected cells: import id, row number, column, reason."""
    await conn.execute(insert(ERRORS), rows)


async def delete_errors(conn: AsyncConnection | AsyncSession, import_id: str) -> None:
    await conn.execute(delete(ERRORS).where(ERRORS.c.import_id == import_id))


# --- the responses, loaded directly (PostgreSQL) -----------------------------------------------


async def copy_responses(
    conn: AsyncConnection, columns: Sequence[str], chunks: AsyncIterator[bytes]
) -> None:
    """COPY text lines into `survey_response`, in the transaction `conn` has begun."""
    await conn.execute(text("SELECT 1"))  # the transaction is open on the server from here
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_to_table("survey_response", source=chunks, columns=columns, format="text")


async def analyze_responses(conn: AsyncConnection) -> None:
    await conn.execute(text("ANALYZE survey_response"))


# --- the staging table (a temporary table of the run's connection) ---------------------------


def _column_type(column: str, postgres: bool) -> str:
    if not postgres:
        return {"row_no": "INTEGER", "weight": "REAL"}.get(column, "")
    if column.startswith("q") and column[1:].isdigit():
        return "smallint"
    return _PG_TYPES.get(column, "text")


async def create_stage(conn: AsyncConnection, columns: Sequence[str], *, postgres: bool) -> None:
    await conn.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    ddl = ", ".join(f"{c} {_column_type(c, postgres)}" for c in columns)
    await conn.execute(text(f"CREATE TEMPORARY TABLE {STAGE} ({ddl})"))


async def drop_stage(conn: AsyncConnection) -> None:
    await conn.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))


async def stage_records(
    conn: AsyncConnection,
    columns: list[str],
    records: list[tuple[Any, ...]],
    *,
    postgres: bool,
) -> None:
    """Validated rows into the staging table (PostgreSQL: binary COPY; SQLite: executemany)."""
    if postgres:
        raw = await conn.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]  # the asyncpg connection under it
            STAGE, records=records, columns=columns
        )
    else:
        placeholders = ", ".join("?" for _ in columns)
        await conn.exec_driver_sql(
            f"INSERT INTO {STAGE} ({', '.join(columns)}) VALUES ({placeholders})",
            [_sqlite_record(r) for r in records],
        )


def _sqlite_record(record: tuple[Any, ...]) -> tuple[Any, ...]:
    # Dates as ISO text, as SQLAlchemy's Date type stores them on SQLite.
    interview = record[3]
    if isinstance(interview, date):
        return (*record[:3], interview.isoformat(), *record[4:])
    return record


async def reject_repeats(conn: AsyncConnection, job_id: str) -> int:
    """Reject the later staged rows of a respondent repeated in the file (each an error naming
    the first row, then out of the staging table); returns how many."""
    repeats = (
        f"SELECT s.row_no AS row_no, f.first_row AS first_row FROM {STAGE} s JOIN ("
        f"SELECT respondent_id, min(row_no) AS first_row FROM {STAGE} "
        "GROUP BY respondent_id HAVING count(*) > 1) f "
        "ON f.respondent_id = s.respondent_id AND s.row_no > f.first_row"
    )
    result = await conn.execute(
        text(
            'INSERT INTO survey_import_error (import_id, row_number, "column", reason) '
            "SELECT :job, r.row_no, 'respondent_id', "
            "'repeats the respondent of row ' || r.first_row "
            f"FROM ({repeats}) r"
        ),
        {"job": job_id},
    )
    count = int(result.rowcount or 0)
    if count:
        await conn.execute(
            text(f"DELETE FROM {STAGE} WHERE row_no IN (SELECT row_no FROM ({repeats}) r)")
        )
    return count


def _merge_sql(columns: list[str], changes: list[str], *, postgres: bool, where: str = "") -> str:
    """Staged rows into the responses: new respondents inserted, stored ones updated where
    one of `changes` differs (so unchanged rows are neither written nor counted)."""
    inserted = [c for c in columns if c != "row_no"]
    target = ", ".join(["survey_id", *inserted, "source", "created_at", "updated_at"])
    values = ", ".join([":survey_id", *inserted, ":source", ":now", ":now"])
    sets = ", ".join(f"{c} = excluded.{c}" for c in [*changes, "source", "updated_at"])
    if postgres:
        left = ", ".join(f"survey_response.{c}" for c in changes)
        right = ", ".join(f"excluded.{c}" for c in changes)
        changed = f"({left}) IS DISTINCT FROM ({right})"
    else:
        changed = " OR ".join(f"survey_response.{c} IS NOT excluded.{c}" for c in changes)
    return (
        f"INSERT INTO survey_response ({target}) SELECT {values} FROM {STAGE} "
        f"WHERE {where or 'true'} "
        "ON CONFLICT (survey_id, respondent_id) DO UPDATE SET "
        f"{sets} WHERE {changed}"
    )


async def merge_stage_postgres(
    conn: AsyncConnection, columns: list[str], changes: list[str], params: dict[str, Any]
) -> tuple[int, int]:
    """(inserted, updated) of merging the whole staging table; `params`: survey_id, source,
    now. A respondent staged twice fails it ("... a second time")."""
    statement = text(
        f"WITH m AS ({_merge_sql(columns, changes, postgres=True)} "
        "RETURNING (xmax = 0) AS inserted) "
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m"
    ).bindparams(bindparam("now", type_=UTCDateTime()))
    row = (await conn.execute(statement, params)).one()
    return int(row[0]), int(row[1])


async def index_stage(conn: AsyncConnection) -> None:
    await conn.execute(text(f"CREATE INDEX {STAGE}_rid ON {STAGE} (respondent_id)"))


async def staged_row_numbers(conn: AsyncConnection) -> tuple[int | None, int | None]:
    """The first and last row number staged (None, None when nothing is)."""
    bounds = (await conn.execute(text(f"SELECT min(row_no), max(row_no) FROM {STAGE}"))).one()
    return bounds[0], bounds[1]


async def merge_stage_sqlite(
    conn: AsyncConnection,
    columns: list[str],
    changes: list[str],
    params: dict[str, Any],
    *,
    lo: int,
    hi: int,
) -> tuple[int, int]:
    """(new respondents, rows written) of merging the staged rows numbered `lo` to `hi`;
    `params`: survey_id, source, now."""
    new_rows = text(
        f"SELECT count(*) FROM {STAGE} s WHERE s.row_no BETWEEN :lo AND :hi AND NOT EXISTS "
        "(SELECT 1 FROM survey_response r WHERE r.survey_id = :survey_id "
        "AND r.respondent_id = s.respondent_id)"
    )
    statement = text(
        _merge_sql(columns, changes, postgres=False, where="row_no BETWEEN :lo AND :hi")
    ).bindparams(bindparam("now", type_=UTCDateTime()))
    fresh = (
        await conn.execute(new_rows, {"lo": lo, "hi": hi, "survey_id": params["survey_id"]})
    ).scalar_one()
    result = await conn.execute(statement, {**params, "lo": lo, "hi": hi})
    return int(fresh), int(result.rowcount or 0)


async def unmatched_counts(
    conn: AsyncConnection,
    table: str,
    column: str,
    known: set[str],
    survey_id: int,
    *,
    staged: bool,
) -> Sequence[Row[str, int]]:
    """(value, rows) of the values of `column` in `table` (the staging table when `staged`,
    else the survey's responses) that are not in `known`, most frequent first."""
    where = f"{column} IS NOT NULL AND {column} NOT IN :known"
    if not staged:
        where += " AND survey_id = :survey_id"
    params: dict[str, Any] = {"known": sorted(known), "survey_id": survey_id}
    # `table` and `column` come from the import's own code, never from a request.
    counted = text(
        f"SELECT {column}, count(*) AS n FROM {table} WHERE {where} "
        f"GROUP BY {column} ORDER BY n DESC, {column}"
    ).bindparams(bindparam("known", expanding=True))
    return (await conn.execute(counted, params)).all()
