"""The rules of creating an import job (the file checked before it is accepted) and of
reading one."""

from __future__ import annotations

import csv
import io
import os
import uuid
from collections.abc import AsyncIterator
from typing import BinaryIO

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey import errors
from services.survey.config import SurveySettings
from services.survey.imports import repository
from services.survey.imports.files import sniff_format, upload_header
from services.survey.imports.header import HeaderProblem, plan_header
from services.survey.imports.models import ImportJob
from services.survey.imports.schemas import ImportJobRead, ImportRowErrorRead, ImportWarning
from services.survey.surveys.repository import survey_code
from services.survey.surveys.service import require_survey
from shared.auth import Principal
from shared.db import Database, utcnow
from shared.problems import PROBLEM_BASE, FieldError, ProblemError, field_error

JOB_ERRORS_SHOWN = 100
# Rejected cells read per query when an import's errors stream out as CSV.
ERRORS_PAGE = 5000


def _size_within(source: BinaryIO, limit: int) -> int:
    """The uploaded file's size, refused over `limit` (the multipart parser has spooled the
    whole part already: its end is where the size is, no pass over it needed)."""
    size = source.seek(0, os.SEEK_END)
    if size > limit:
        raise ProblemError(
            413,
            f"The file exceeds the {limit} bytes an import may have.",
            type_=PROBLEM_BASE + "too-large",
        )
    return size


def header_problem(problem: HeaderProblem) -> ProblemError:
    field_errors: list[FieldError] = [
        field_error(f"file.columns.{name}", "required column is missing", "missing")
        for name in problem.missing
    ] or [field_error("file", str(problem))]
    return ProblemError(
        422,
        str(problem),
        title="Unprocessable Content",
        type_=PROBLEM_BASE + "validation",
        errors=field_errors,
    )


async def create_import(
    session: AsyncSession,
    settings: SurveySettings,
    code: str,
    *,
    source: BinaryIO,
    filename: str,
    principal: Principal,
) -> ImportJob:
    """Check the uploaded file (`source`: the multipart parser's spooled part, seekable) and
    store it with its job. It is read in place, never copied to a scratch file first: the
    checks read its head, and storing it is the one pass over the whole file."""
    survey = await require_survey(session, code)
    size = await anyio.to_thread.run_sync(_size_within, source, settings.upload_max_bytes)
    file_format = await anyio.to_thread.run_sync(sniff_format, source)
    if file_format is None:
        raise ProblemError(
            415,
            f"{filename or 'the file'} is not a CSV or XLSX file.",
            type_=PROBLEM_BASE + "unsupported-file",
            errors=[field_error("file", "send a CSV (UTF-8) or an XLSX workbook")],
        )
    if size == 0:
        raise header_problem(HeaderProblem("the file is empty: it has no header row"))
    try:
        header = await anyio.to_thread.run_sync(upload_header, source, file_format)
        plan = plan_header(survey, header)
    except HeaderProblem as exc:
        raise header_problem(exc) from exc
    job = ImportJob(
        id=str(uuid.uuid4()),
        survey_id=survey.id,
        filename=(filename or "upload")[:255],
        file_format=file_format,
        size_bytes=size,
        columns=[h for h in plan.header if h],
        ignored_columns=plan.ignored,
        state="queued",
        created_by=principal.key_id,
        created_at=utcnow(),
    )
    await repository.add_job(session, job)
    # The file goes with the job into the database: any instance can run it.
    await repository.store_upload(session, job.id, source)
    return job


async def job_read(session: AsyncSession, job_id: str, *, prefix: str) -> ImportJobRead:
    row = await repository.get_job(session, job_id)
    if row is None:
        raise errors.import_not_found(job_id)
    survey = await survey_code(session, row.survey_id)
    errors_rows = await repository.import_errors_page(
        session, job_id, after=None, limit=JOB_ERRORS_SHOWN + 1
    )
    return ImportJobRead(
        id=row.id,
        survey=survey or "",
        state=row.state,
        filename=row.filename,
        format=row.file_format,
        size_bytes=row.size_bytes,
        columns=row.columns,
        ignored_columns=row.ignored_columns,
        rows_read=row.rows_read,
        accepted=row.accepted,
        inserted=row.inserted,
        updated=row.updated,
        unchanged=row.unchanged,
        rejected=row.rejected,
        failure=row.failure,
        warnings=[ImportWarning.model_validate(w) for w in row.warnings or []],
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        errors=[
            ImportRowErrorRead(row=n, column=c, reason=r)
            for n, _id, c, r in errors_rows[:JOB_ERRORS_SHOWN]
        ],
        errors_truncated=len(errors_rows) > JOB_ERRORS_SHOWN,
        errors_csv=f"{prefix}/surveys/imports/{row.id}/errors.csv",
    )


async def require_job(session: AsyncSession, job_id: str) -> None:
    if not await repository.import_exists(session, job_id):
        raise errors.import_not_found(job_id)


async def errors_csv(db: Database, job_id: str) -> AsyncIterator[str]:
    """Every rejected cell of a job as CSV text (row, column, reason), in file order, read a
    page at a time on short read sessions of its own (the response streams after the
    request's session is gone)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["row", "column", "reason"])
    after: tuple[int, int] | None = None
    while True:
        async with db.read_sessions() as page_session:
            page = await repository.import_errors_page(
                page_session, job_id, after=after, limit=ERRORS_PAGE
            )
        for row_number, _id, column, reason in page:
            writer.writerow([row_number, column, reason])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(page) < ERRORS_PAGE:
            return
        after = (page[-1][0], page[-1][1])
