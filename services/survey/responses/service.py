"""The rules of responses sent as JSON: checked by the import's row validator, all stored or
none, a resend changing nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.imports.header import BASE_COLUMNS, HeaderPlan, plan_header
from services.survey.imports.rows import RowValidator, london_today
from services.survey.responses import repository
from services.survey.responses.schemas import ResponseIn, ResponsesResult, ResponsesSubmit
from services.survey.surveys.definition import SurveyDef
from services.survey.surveys.service import require_survey
from shared.db import utcnow
from shared.problems import PROBLEM_BASE, FieldError, ProblemError, field_error, invalid


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
    ids = [r["respondent_id"] for r in rows]
    existing = await repository.stored_responses(session, survey.id, columns, ids)
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
            await repository.update_response(session, survey.id, record, now)
            updated += 1
        else:
            unchanged += 1
    if inserts:
        try:
            await repository.insert_responses(session, inserts)
        except IntegrityError as exc:  # a concurrent import or submission stored one first
            raise ProblemError(
                409,
                "Another import or submission is storing the same respondents; send again.",
                type_=PROBLEM_BASE + "concurrent-write",
                headers={"Retry-After": "1"},
            ) from exc
    return ResponsesResult(
        received=len(rows), inserted=len(inserts), updated=updated, unchanged=unchanged
    )
