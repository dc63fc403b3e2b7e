"""Queries of the survey service. Flushes, never commits: the request boundary commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.models import AnswerOption, Question, Survey


async def list_surveys(session: AsyncSession) -> list[Survey]:
    return list((await session.execute(select(Survey).order_by(Survey.code))).scalars())


async def get_survey(session: AsyncSession, code: str) -> Survey | None:
    stmt = select(Survey).where(Survey.code == code)  # type: ignore[arg-type]
    return (await session.execute(stmt)).scalar_one_or_none()


async def questions_with_options(
    session: AsyncSession, survey_ids: list[int]
) -> tuple[list[Question], list[AnswerOption]]:
    """All questions and options of some surveys in two queries (no lazy loads)."""
    if not survey_ids:
        return [], []
    questions = list(
        (
            await session.execute(
                select(Question)
                .where(Question.survey_id.in_(survey_ids))  # type: ignore[attr-defined]
                .order_by(Question.survey_id, Question.position)
            )
        ).scalars()
    )
    options = list(
        (
            await session.execute(
                select(AnswerOption)
                .where(AnswerOption.question_id.in_([q.id for q in questions]))  # type: ignore[attr-defined]
                .order_by(AnswerOption.question_id, AnswerOption.position)
            )
        ).scalars()
    )
    return questions, options
