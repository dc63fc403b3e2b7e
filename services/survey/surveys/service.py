"""The rules of survey definitions: defining a survey (a resend of the same definition is a
replay), reading one, recording a new wording of a question."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey import errors
from services.survey.imports.format import import_columns
from services.survey.surveys import repository
from services.survey.surveys.definition import QuestionDef, SurveyDef, load_definition
from services.survey.surveys.schemas import (
    AnswerOptionRead,
    ImportColumn,
    ImportTemplates,
    QuestionRead,
    SurveyCreate,
    SurveyRead,
    WordingCreate,
    WordingRead,
)
from shared.db import utcnow
from shared.problems import PROBLEM_BASE, ProblemError, invalid


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


async def require_question(
    session: AsyncSession, code: str, question: str
) -> tuple[SurveyDef, QuestionDef]:
    """The survey and its question of that code: a 404 naming whichever is missing."""
    survey = await require_survey(session, code)
    spec = survey.question(question)
    if spec is None:
        raise errors.question_not_found(code, question)
    return survey, spec


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
    slots = {"single_choice": 0, "free_text": 0}
    numbered = []
    for q in payload.questions:  # each kind's questions take its answer slots in order
        slots[q.kind] += 1
        numbered.append(slots[q.kind])
    await repository.add_survey(session, payload, numbered, utcnow())
    return await get_survey(session, payload.code)


async def add_wording(
    session: AsyncSession, code: str, question_code: str, payload: WordingCreate
) -> tuple[SurveyRead, bool]:
    """The survey with the new wording, and whether this was a resend of the current one
    (a replay: nothing changed)."""
    _, question = await require_question(session, code, question_code)
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
    await repository.add_wording(
        session,
        question.id,
        version=question.version + 1,
        text=payload.text,
        effective_from=payload.effective_from,
        now=utcnow(),
    )
    return await get_survey(session, code), False
