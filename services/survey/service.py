"""Domain rules of the survey service."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey import errors, repository
from services.survey.models import Survey
from services.survey.schemas import AnswerOptionRead, QuestionRead, SurveyRead


async def _read_many(session: AsyncSession, surveys: list[Survey]) -> list[SurveyRead]:
    questions, options = await repository.questions_with_options(
        session, [s.id for s in surveys if s.id is not None]
    )
    options_by_question: dict[int, list[AnswerOptionRead]] = defaultdict(list)
    for option in options:
        options_by_question[option.question_id].append(
            AnswerOptionRead(
                code=option.code, label=option.label, excluded_from_base=option.excluded_from_base
            )
        )
    questions_by_survey: dict[int, list[QuestionRead]] = defaultdict(list)
    for question in questions:
        questions_by_survey[question.survey_id].append(
            QuestionRead(
                code=question.code,
                text=question.text,
                kind=question.kind,  # type: ignore[arg-type]
                options=options_by_question.get(question.id or 0, []),
            )
        )
    return [
        SurveyRead(
            code=s.code,
            title=s.title,
            description=s.description,
            questions=questions_by_survey.get(s.id or 0, []),
        )
        for s in surveys
    ]


async def list_surveys(session: AsyncSession) -> list[SurveyRead]:
    return await _read_many(session, await repository.list_surveys(session))


async def get_survey(session: AsyncSession, code: str) -> SurveyRead:
    survey = await repository.get_survey(session, code)
    if survey is None:
        raise errors.survey_not_found(code)
    return (await _read_many(session, [survey]))[0]
