"""HTTP endpoints of population margins: thin, the rules live in `service.py`."""

from __future__ import annotations

from fastapi import APIRouter

from services.survey.deps import Reader, SurveyCode, Writer
from services.survey.population import service
from services.survey.population.schemas import PopulationMargins
from shared.db import SessionDep
from shared.problems import problem_responses

router = APIRouter(tags=["surveys"])


@router.put(
    "/surveys/{code}/population",
    response_model=PopulationMargins,
    summary="Upload population margins (age band x sex, area); replaces the earlier ones",
    responses=problem_responses(404),
)
async def put_population(
    code: SurveyCode, payload: PopulationMargins, session: SessionDep, _: Writer
) -> PopulationMargins:
    return await service.put_population(session, code, payload)


@router.get(
    "/surveys/{code}/population",
    response_model=PopulationMargins,
    summary="The population margins in use",
    responses=problem_responses(404),
)
async def get_population(code: SurveyCode, session: SessionDep, _: Reader) -> PopulationMargins:
    return await service.get_population(session, code)
