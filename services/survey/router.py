"""HTTP endpoints of the survey service: thin, the rules live in `service.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from services.survey import service
from services.survey.schemas import SurveyRead
from shared.auth import Principal, require_scope
from shared.db import SessionDep
from shared.problems import problem_responses

router = APIRouter(tags=["surveys"])

Reader = Annotated[Principal, Depends(require_scope("survey:read"))]
SurveyCode = Annotated[str, Path(max_length=60, pattern=r"^[a-z0-9_\-]+$")]


@router.get("/surveys", response_model=list[SurveyRead], summary="List survey definitions")
async def list_surveys(session: SessionDep, _: Reader) -> list[SurveyRead]:
    return await service.list_surveys(session)


@router.get(
    "/surveys/{code}",
    response_model=SurveyRead,
    summary="Get one survey definition",
    responses=problem_responses(404),
)
async def get_survey(code: SurveyCode, session: SessionDep, _: Reader) -> SurveyRead:
    return await service.get_survey(session, code)
