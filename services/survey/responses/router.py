"""HTTP endpoint of responses sent as JSON: thin, the rules live in `service.py`."""

from __future__ import annotations

from fastapi import APIRouter, Request

from services.survey.deps import SurveyCode, Writer, settings_of
from services.survey.responses import service
from services.survey.responses.schemas import ResponsesResult, ResponsesSubmit
from shared.db import SessionDep
from shared.problems import problem_responses

router = APIRouter(tags=["surveys"])


@router.post(
    "/surveys/{code}/responses",
    response_model=ResponsesResult,
    summary="Store a few responses sent as JSON (all or none)",
    description="Same rules as a file import; every problem is named and nothing is stored "
    "when any response is invalid. Re-sending a stored response changes nothing.",
    responses=problem_responses(404),
)
async def submit_responses(
    code: SurveyCode,
    payload: ResponsesSubmit,
    request: Request,
    session: SessionDep,
    _: Writer,
) -> ResponsesResult:
    return await service.submit_responses(
        session, code, payload, max_items=settings_of(request).responses_max_items
    )
