"""HTTP endpoints of survey definitions: thin, the rules live in `service.py`.

Two routers: `router` (the collection) and `item_router` (one survey); the app includes the
import jobs' `/surveys/imports/...` routes between them, so that `imports` is never taken for a
survey code.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from services.survey.deps import QuestionCode, Reader, SurveyCode, Writer, prefix_of
from services.survey.surveys import service
from services.survey.surveys.schemas import QuestionRead, SurveyCreate, SurveyRead, WordingCreate
from shared.db import SessionDep
from shared.problems import problem_responses

router = APIRouter(tags=["surveys"])
item_router = APIRouter(tags=["surveys"])


@router.get("/surveys", response_model=list[SurveyRead], summary="List survey definitions")
async def list_surveys(session: SessionDep, _: Reader) -> list[SurveyRead]:
    return await service.list_surveys(session)


@router.post(
    "/surveys",
    status_code=201,
    response_model=SurveyRead,
    summary="Define a survey (questions, ordered answers, what is excluded from the base)",
    description="Sending a definition already stored exactly as sent is a replay (200, "
    "`Idempotent-Replayed: true`); the same code with another definition is a 409.",
    responses={
        **problem_responses(409),
        200: {"model": SurveyRead, "description": "A replay: the survey is defined as sent."},
    },
)
async def create_survey(
    payload: SurveyCreate, request: Request, response: Response, session: SessionDep, _: Writer
) -> SurveyRead:
    replayed = await service.replayed_survey(session, payload)
    if replayed is not None:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
        response.headers["Location"] = f"{prefix_of(request)}/surveys/{replayed.code}"
        return replayed
    created = await service.create_survey(session, payload)
    response.headers["Location"] = f"{prefix_of(request)}/surveys/{created.code}"
    return created


@item_router.get(
    "/surveys/{code}",
    response_model=SurveyRead,
    summary="Get one survey definition",
    responses=problem_responses(404),
)
async def get_survey(code: SurveyCode, session: SessionDep, _: Reader) -> SurveyRead:
    return await service.get_survey(session, code)


@item_router.post(
    "/surveys/{code}/questions/{question}/wordings",
    status_code=201,
    response_model=QuestionRead,
    summary="Record a new wording of a question (a break in its series from a wave on)",
    description="Sending the current wording again (same text, same first wave) is a replay "
    "(200, `Idempotent-Replayed: true`, nothing changed).",
    responses={
        **problem_responses(404),
        200: {"model": QuestionRead, "description": "A replay: this is the current wording."},
    },
)
async def add_wording(
    code: SurveyCode,
    question: QuestionCode,
    payload: WordingCreate,
    session: SessionDep,
    _: Writer,
    response: Response,
) -> QuestionRead:
    survey, replayed = await service.add_wording(session, code, question, payload)
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return next(q for q in survey.questions if q.code == question)
