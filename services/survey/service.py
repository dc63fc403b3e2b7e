"""Domain rules of the survey service: definitions, import jobs, JSON responses, margins."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, BinaryIO

import anyio
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey import errors, repository
from services.survey.config import SurveySettings
from services.survey.definitions import SurveyDef, load_definition
from services.survey.import_files import read_header, sniff_format
from services.survey.import_format import import_columns
from services.survey.models import (
    AnswerOption,
    ImportJob,
    ImportRowError,
    PopulationMargin,
    Question,
    QuestionWording,
    Response,
    Survey,
)
from services.survey.rows import (
    BASE_COLUMNS,
    HeaderPlan,
    HeaderProblem,
    RowValidator,
    london_today,
    plan_header,
)
from services.survey.schemas import (
    AnswerOptionRead,
    CommentRead,
    ImportColumn,
    ImportJobRead,
    ImportRowErrorRead,
    ImportTemplates,
    ImportWarning,
    PopulationMargins,
    QuestionRead,
    ResponseIn,
    ResponsesResult,
    ResponsesSubmit,
    SurveyCreate,
    SurveyRead,
    WordingCreate,
    WordingRead,
)
from shared.auth import Principal
from shared.db import utcnow
from shared.pagination import decode_cursor, encode_cursor
from shared.problems import PROBLEM_BASE, FieldError, ProblemError, field_error, invalid

RESPONSES = Response.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__
ERRORS = ImportRowError.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__
MARGINS = PopulationMargin.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__
JOB_ERRORS_SHOWN = 100


# --- definitions ----------------------------------------------------------------------------------


def to_read(survey: SurveyDef, description: str | None) -> SurveyRead:
    templates = f"/api/v1/surveys/{survey.code}/imports/template"
    return SurveyRead(
        code=survey.code,
        title=survey.title,
        description=description,
        import_columns=[ImportColumn.model_validate(c) for c in import_columns(survey)],
        import_templates=ImportTemplates(csv=f"{templates}.csv", xlsx=f"{templates}.xlsx"),
        questions=[
            QuestionRead(
                code=q.code,
                text=q.text,
                kind=q.kind,
                version=q.version,
                options=[
                    AnswerOptionRead(
                        code=o.code, label=o.label, excluded_from_base=o.excluded_from_base
                    )
                    for o in q.options
                ],
                wordings=[
                    WordingRead(version=w.version, text=w.text, effective_from=w.effective_from)
                    for w in q.wordings
                ],
            )
            for q in survey.questions
        ],
    )


async def require_survey(session: AsyncSession, code: str) -> SurveyDef:
    survey = await load_definition(session, code)
    if survey is None:
        raise errors.survey_not_found(code)
    return survey


async def list_surveys(session: AsyncSession) -> list[SurveyRead]:
    out = []
    for survey in await repository.list_surveys(session):
        definition = await load_definition(session, survey_id=survey.id)
        assert definition is not None
        out.append(to_read(definition, survey.description))
    return out


async def get_survey(session: AsyncSession, code: str) -> SurveyRead:
    survey = await repository.get_survey(session, code)
    if survey is None:
        raise errors.survey_not_found(code)
    definition = await load_definition(session, survey_id=survey.id)
    assert definition is not None
    return to_read(definition, survey.description)


def defines(read: SurveyRead, payload: SurveyCreate) -> bool:
    """The stored survey is what `payload` defines (a resend of the same definition)."""
    sent = payload.model_dump(mode="json")
    stored = read.model_dump(mode="json", include={"code", "title", "description", "questions"})
    for question in stored["questions"]:
        for name in ("version", "wordings"):
            question.pop(name, None)
    return bool(sent == stored)


async def replayed_survey(session: AsyncSession, payload: SurveyCreate) -> SurveyRead | None:
    """The stored survey when `payload` is a resend of its definition, else None."""
    if await repository.get_survey(session, payload.code) is None:
        return None
    read = await get_survey(session, payload.code)
    return read if defines(read, payload) else None


async def create_survey(session: AsyncSession, payload: SurveyCreate) -> SurveyRead:
    if await repository.get_survey(session, payload.code) is not None:
        raise ProblemError(
            409,
            f"A survey with code {payload.code!r} already exists.",
            type_=PROBLEM_BASE + "conflict",
        )
    now = utcnow()
    survey = Survey(
        code=payload.code, title=payload.title, description=payload.description, created_at=now
    )
    session.add(survey)
    await session.flush()
    slots = {"single_choice": 0, "free_text": 0}
    for position, q in enumerate(payload.questions):
        slots[q.kind] += 1
        question = Question(
            survey_id=survey.id,  # type: ignore[arg-type]  # set once the row is flushed
            code=q.code,
            text=q.text,
            kind=q.kind,
            position=position,
            slot=slots[q.kind],
            version=1,
        )
        session.add(question)
        await session.flush()
        session.add(
            QuestionWording(
                question_id=question.id,  # type: ignore[arg-type]  # set once the row is flushed
                version=1,
                text=q.text,
                effective_from=None,
                created_at=now,
            )
        )
        for o_pos, option in enumerate(q.options):
            session.add(
                AnswerOption(
                    question_id=question.id,  # type: ignore[arg-type]  # set once the row is flushed
                    code=option.code,
                    label=option.label,
                    position=o_pos,
                    excluded_from_base=option.excluded_from_base,
                )
            )
    await session.flush()
    return await get_survey(session, payload.code)


async def add_wording(
    session: AsyncSession, code: str, question_code: str, payload: WordingCreate
) -> tuple[SurveyRead, bool]:
    """The survey with the new wording, and whether this was a resend of the current one
    (a replay: nothing changed)."""
    survey = await require_survey(session, code)
    question = survey.question(question_code)
    if question is None:
        raise errors.question_not_found(code, question_code)
    current = max(question.wordings, key=lambda w: w.version, default=None)
    if (
        current is not None
        and current.text == payload.text
        and current.effective_from == payload.effective_from
    ):
        return await get_survey(session, code), True
    latest_from = max((w.effective_from or "" for w in question.wordings), default="")
    if payload.effective_from <= latest_from:
        raise invalid(
            "body.effective_from",
            f"must be after {latest_from}, the start of the current wording",
        )
    if payload.text == question.text:
        raise invalid("body.text", "is the current wording; a new version needs new words")
    version = question.version + 1
    session.add(
        QuestionWording(
            question_id=question.id,
            version=version,
            text=payload.text,
            effective_from=payload.effective_from,
            created_at=utcnow(),
        )
    )
    await session.execute(
        update(Question.__table__)  # type: ignore[attr-defined]  # SQLModel declares no __table__
        .where(Question.__table__.c.id == question.id)  # type: ignore[attr-defined]  # SQLModel declares no __table__
        .values(text=payload.text, version=version)
    )
    await session.flush()
    return await get_survey(session, code), False


# --- imports --------------------------------------------------------------------------------------


def _copy_limited(source: BinaryIO, target: Path, limit: int) -> int:
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                raise ProblemError(
                    413,
                    f"The file exceeds the {limit} bytes an import may have.",
                    type_=PROBLEM_BASE + "too-large",
                )
            out.write(chunk)
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
    survey = await require_survey(session, code)
    job_id = str(uuid.uuid4())
    settings.import_spool_dir.mkdir(parents=True, exist_ok=True)
    incoming = settings.import_spool_dir / f"{job_id}.upload"
    try:
        size = await anyio.to_thread.run_sync(
            _copy_limited, source, incoming, settings.upload_max_bytes
        )
        file_format = await anyio.to_thread.run_sync(sniff_format, incoming)
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
            header = await anyio.to_thread.run_sync(read_header, incoming, file_format)
            plan = plan_header(survey, header)
        except HeaderProblem as exc:
            raise header_problem(exc) from exc
        job = ImportJob(
            id=job_id,
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
        session.add(job)
        await session.flush()
        # The file goes with the job into the database: any instance can run it.
        await repository.store_upload(session, job_id, incoming)
    finally:
        incoming.unlink(missing_ok=True)
    return job


async def job_read(session: AsyncSession, job_id: str, *, prefix: str) -> ImportJobRead:
    row = await session.get(ImportJob, job_id)
    if row is None:
        raise errors.import_not_found(job_id)
    survey = await session.get(Survey, row.survey_id)
    errors_rows = (
        await session.execute(
            select(ERRORS.c.row_number, ERRORS.c.column, ERRORS.c.reason)
            .where(ERRORS.c.import_id == job_id)
            .order_by(ERRORS.c.row_number, ERRORS.c.id)
            .limit(JOB_ERRORS_SHOWN + 1)
        )
    ).all()
    return ImportJobRead(
        id=row.id,
        survey=survey.code if survey else "",
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
            for n, c, r in errors_rows[:JOB_ERRORS_SHOWN]
        ],
        errors_truncated=len(errors_rows) > JOB_ERRORS_SHOWN,
        errors_csv=f"{prefix}/surveys/imports/{row.id}/errors.csv",
    )


# --- JSON responses -------------------------------------------------------------------------------


def _cells(item: ResponseIn, header: list[str]) -> list[str]:
    values: dict[str, Any] = {
        "respondent_id": item.respondent_id,
        "wave": item.wave or "",
        "interview_date": item.interview_date.isoformat() if item.interview_date else "",
        "area": item.area or "",
        "age_band": item.age_band or "",
        "sex": item.sex or "",
        "ethnicity": item.ethnicity or "",
        "weight": repr(item.weight),
    }
    for code, answer in item.answers.items():
        values[code.lower()] = answer or ""
    return [str(values.get(name, "")) for name in header]


_FIELD_OF_COLUMN = {c: c for c in (*BASE_COLUMNS, "weight")}


async def submit_responses(
    session: AsyncSession, code: str, payload: ResponsesSubmit, *, max_items: int
) -> ResponsesResult:
    survey = await require_survey(session, code)
    if len(payload.responses) > max_items:
        raise invalid("body.responses", f"send at most {max_items} responses; import a file")
    header = [*BASE_COLUMNS, "weight", *(q.code for q in survey.questions)]
    plan: HeaderPlan = plan_header(survey, header)
    validator = RowValidator(plan, today=london_today())
    question_codes = {q.code for q in survey.questions}
    problems: list[FieldError] = []
    records: list[tuple[Any, ...]] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(payload.responses):
        where = f"body.responses.{i}"
        for unknown in sorted(set(item.answers) - question_codes):
            problems.append(
                field_error(f"{where}.answers.{unknown}", f"no question {unknown!r} in {code}")
            )
        if item.respondent_id in seen:
            problems.append(
                field_error(
                    f"{where}.respondent_id",
                    f"repeats the respondent of responses[{seen[item.respondent_id]}]",
                )
            )
        seen.setdefault(item.respondent_id, i)
        record, row_errors = validator.validate(i, _cells(item, plan.header))
        for _, column, reason in row_errors:
            field = _FIELD_OF_COLUMN.get(column)
            name = f"{where}.{field}" if field else f"{where}.answers.{column}"
            problems.append(field_error(name, reason))
        if record is not None:
            records.append(record)
    if problems:
        raise ProblemError(
            422,
            "; ".join(f"{p.field}: {p.message}" for p in problems[:5]),
            title="Unprocessable Content",
            type_=PROBLEM_BASE + "validation",
            errors=problems,
        )
    return await _upsert_small(session, survey, plan, records)


async def _upsert_small(
    session: AsyncSession, survey: SurveyDef, plan: HeaderPlan, records: list[tuple[Any, ...]]
) -> ResponsesResult:
    columns = plan.stage_columns[1:]  # without row_no
    rows = [dict(zip(columns, r[1:], strict=True)) for r in records]
    existing: dict[str, dict[str, Any]] = {}
    ids = [r["respondent_id"] for r in rows]
    for start in range(0, len(ids), 500):
        found = await session.execute(
            select(*(RESPONSES.c[c] for c in columns)).where(
                RESPONSES.c.survey_id == survey.id,
                RESPONSES.c.respondent_id.in_(ids[start : start + 500]),
            )
        )
        for row in found.mappings():
            existing[row["respondent_id"]] = dict(row)
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updated = unchanged = 0
    for record in rows:
        stored = existing.get(record["respondent_id"])
        if stored is None:
            inserts.append(
                {
                    **record,
                    "survey_id": survey.id,
                    "source": "api",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        elif any(stored[c] != record[c] for c in columns):
            await session.execute(
                update(RESPONSES)
                .where(
                    RESPONSES.c.survey_id == survey.id,
                    RESPONSES.c.respondent_id == record["respondent_id"],
                )
                .values(**record, source="api", updated_at=now)
            )
            updated += 1
        else:
            unchanged += 1
    if inserts:
        try:
            await session.execute(insert(RESPONSES), inserts)
        except IntegrityError as exc:  # a concurrent import or submission stored one first
            raise ProblemError(
                409,
                "Another import or submission is storing the same respondents; send again.",
                type_=PROBLEM_BASE + "concurrent-write",
                headers={"Retry-After": "1"},
            ) from exc
    await session.flush()
    return ResponsesResult(
        received=len(rows), inserted=len(inserts), updated=updated, unchanged=unchanged
    )


# --- population margins ---------------------------------------------------------------------------


async def put_population(
    session: AsyncSession, code: str, payload: PopulationMargins
) -> PopulationMargins:
    survey = await require_survey(session, code)
    await session.execute(delete(MARGINS).where(MARGINS.c.survey_id == survey.id))
    now = utcnow()
    rows = [
        {
            "survey_id": survey.id,
            "dimension": "age_band_sex",
            "category": f"{c.age_band}|{c.sex}",
            "population": c.population,
            "updated_at": now,
        }
        for c in payload.age_band_sex
    ] + [
        {
            "survey_id": survey.id,
            "dimension": "area",
            "category": a.area,
            "population": a.population,
            "updated_at": now,
        }
        for a in payload.area
    ]
    await session.execute(insert(MARGINS), rows)
    return payload


async def get_population(session: AsyncSession, code: str) -> PopulationMargins:
    survey = await require_survey(session, code)
    rows = (
        await session.execute(
            select(MARGINS.c.dimension, MARGINS.c.category, MARGINS.c.population)
            .where(MARGINS.c.survey_id == survey.id)
            .order_by(MARGINS.c.dimension, MARGINS.c.category)
        )
    ).all()
    if not rows:
        raise ProblemError(
            404,
            f"No population margins for {code}; PUT them first.",
            type_=PROBLEM_BASE + "not-found",
        )
    cells = []
    areas = []
    for dimension, category, population in rows:
        if dimension == "age_band_sex":
            age, _, sex = category.partition("|")
            cells.append({"age_band": age, "sex": sex, "population": population})
        else:
            areas.append({"area": category, "population": population})
    return PopulationMargins.model_validate({"age_band_sex": cells, "area": areas})


# --- comments -------------------------------------------------------------------------------------


async def search_comments(
    session: AsyncSession,
    code: str,
    *,
    q: str | None,
    question: str | None,
    wave: str | None,
    area: str | None,
    cursor: str | None,
    limit: int,
    districts: frozenset[str] | None = None,
) -> tuple[list[CommentRead], str | None]:
    survey = await require_survey(session, code)
    texts = [x for x in survey.questions if x.kind == "free_text"]
    if question is not None:
        texts = [x for x in texts if x.code == question]
        if not texts:
            raise invalid("query.question", f"{code} has no free-text question {question!r}")
    if not texts:
        return [], None
    after: tuple[str, str] | None = None
    if cursor is not None:
        values = decode_cursor(cursor, size=2)
        after = (str(values[0]), str(values[1]))
    # One branch per free-text question, merged in (respondent, question) order.
    items: list[CommentRead] = []
    for spec in texts:
        column = RESPONSES.c[spec.column]
        stmt = select(RESPONSES.c.respondent_id, RESPONSES.c.wave, RESPONSES.c.area, column).where(
            RESPONSES.c.survey_id == survey.id,
            column.is_not(None),
            *repository.in_districts(RESPONSES.c.area, districts),
        )
        if q:
            stmt = stmt.where(func.lower(column).contains(q.lower(), autoescape=True))
        if wave:
            stmt = stmt.where(RESPONSES.c.wave == wave)
        if area:
            stmt = stmt.where(RESPONSES.c.area == area)
        if after is not None:
            if spec.code > after[1]:
                stmt = stmt.where(RESPONSES.c.respondent_id >= after[0])
            else:
                stmt = stmt.where(RESPONSES.c.respondent_id > after[0])
        stmt = stmt.order_by(RESPONSES.c.respondent_id).limit(limit + 1)
        for respondent, row_wave, row_area, body in (await session.execute(stmt)).all():
            items.append(
                CommentRead(
                    respondent_id=respondent,
                    wave=row_wave,
                    area=row_area,
                    question=spec.code,
                    text=body,
                )
            )
    items.sort(key=lambda c: (c.respondent_id, c.question))
    if after is not None:
        items = [c for c in items if (c.respondent_id, c.question) > after]
    page = items[:limit]
    next_cursor = (
        encode_cursor([page[-1].respondent_id, page[-1].question]) if len(items) > limit else None
    )
    return page, next_cursor
