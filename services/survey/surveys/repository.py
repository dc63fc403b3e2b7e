"""Queries of survey definitions. Flushes, never commits: the request boundary commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.survey.surveys.models import AnswerOption, Question, QuestionWording, Survey
from shared.db import table_of

if TYPE_CHECKING:  # the schemas import the import format, which imports the definitions
    from services.survey.surveys.schemas import QuestionIn, SurveyCreate

SURVEYS = table_of(Survey)
QUESTIONS = table_of(Question)
WORDINGS = table_of(QuestionWording)
OPTIONS = table_of(AnswerOption)
Connection = AsyncSession | AsyncConnection


async def list_surveys(session: AsyncSession) -> list[Survey]:
    return list((await session.execute(select(Survey).order_by(Survey.code))).scalars())


async def get_survey(session: AsyncSession, code: str) -> Survey | None:
    stmt = select(Survey).where(Survey.code == code)  # type: ignore[arg-type]  # the comparison is a clause, not a bool
    return (await session.execute(stmt)).scalar_one_or_none()


async def survey_code(session: AsyncSession, survey_id: int) -> str | None:
    survey = await session.get(Survey, survey_id)
    return survey.code if survey else None


# --- a definition, read once (`definition.load_definition`) -----------------------------------


async def survey_row(
    conn: Connection, code: str | None, survey_id: int | None
) -> Row[int, str, str] | None:
    """(id, code, title) of the survey of that code and/or id."""
    stmt = select(SURVEYS.c.id, SURVEYS.c.code, SURVEYS.c.title)
    if code is not None:
        stmt = stmt.where(SURVEYS.c.code == code)
    if survey_id is not None:
        stmt = stmt.where(SURVEYS.c.id == survey_id)
    return (await conn.execute(stmt)).first()


async def question_rows(
    conn: Connection, survey_id: int
) -> Sequence[Row[int, str, str, str, int | None, int]]:
    """(id, code, text, kind, slot, version) of a survey's questions, in their order."""
    stmt = (
        select(
            QUESTIONS.c.id,
            QUESTIONS.c.code,
            QUESTIONS.c.text,
            QUESTIONS.c.kind,
            QUESTIONS.c.slot,
            QUESTIONS.c.version,
        )
        .where(QUESTIONS.c.survey_id == survey_id)
        .order_by(QUESTIONS.c.position, QUESTIONS.c.id)
    )
    return (await conn.execute(stmt)).all()


async def option_rows(
    conn: Connection, question_ids: list[int]
) -> Sequence[Row[int, str, str, int, bool]]:
    """(question id, code, label, position, excluded from base) of the questions' options."""
    stmt = (
        select(
            OPTIONS.c.question_id,
            OPTIONS.c.code,
            OPTIONS.c.label,
            OPTIONS.c.position,
            OPTIONS.c.excluded_from_base,
        )
        .where(OPTIONS.c.question_id.in_(question_ids))
        .order_by(OPTIONS.c.question_id, OPTIONS.c.position)
    )
    return (await conn.execute(stmt)).all()


async def wording_rows(
    conn: Connection, question_ids: list[int]
) -> Sequence[Row[int, int, str, str | None]]:
    """(question id, version, text, effective from) of every wording of the questions."""
    stmt = (
        select(
            WORDINGS.c.question_id,
            WORDINGS.c.version,
            WORDINGS.c.text,
            WORDINGS.c.effective_from,
        )
        .where(WORDINGS.c.question_id.in_(question_ids))
        .order_by(WORDINGS.c.question_id, WORDINGS.c.version)
    )
    return (await conn.execute(stmt)).all()


# --- writes ---------------------------------------------------------------------------------


async def add_survey(
    session: AsyncSession, payload: SurveyCreate, slots: list[int], now: datetime
) -> None:
    """The survey, its questions (the answer slot of each as given, the first wording) and
    their options, in the order sent."""
    survey = Survey(
        code=payload.code, title=payload.title, description=payload.description, created_at=now
    )
    session.add(survey)
    await session.flush()
    for position, (q, slot) in enumerate(zip(payload.questions, slots, strict=True)):
        await _add_question(session, survey.id, q, position, slot, now)  # type: ignore[arg-type]  # set once the row is flushed
    await session.flush()


async def _add_question(
    session: AsyncSession, survey_id: int, q: QuestionIn, position: int, slot: int, now: datetime
) -> None:
    question = Question(
        survey_id=survey_id,
        code=q.code,
        text=q.text,
        kind=q.kind,
        position=position,
        slot=slot,
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


async def add_wording(
    session: AsyncSession,
    question_id: int,
    *,
    version: int,
    text: str,
    effective_from: str,
    now: datetime,
) -> None:
    """A new wording of a question, which becomes its current text and version."""
    session.add(
        QuestionWording(
            question_id=question_id,
            version=version,
            text=text,
            effective_from=effective_from,
            created_at=now,
        )
    )
    await session.execute(
        update(QUESTIONS).where(QUESTIONS.c.id == question_id).values(text=text, version=version)
    )
    await session.flush()
