"""Population margins: replaced whole by a PUT, read back as sent."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.population import repository
from services.survey.population.schemas import PopulationMargins
from services.survey.surveys.service import require_survey
from shared.db import utcnow
from shared.problems import PROBLEM_BASE, ProblemError


async def put_population(
    session: AsyncSession, code: str, payload: PopulationMargins
) -> PopulationMargins:
    survey = await require_survey(session, code)
    now = utcnow()
    rows = [
        {
            "dimension": "age_band_sex",
            "category": f"{c.age_band}|{c.sex}",
            "population": c.population,
            "updated_at": now,
        }
        for c in payload.age_band_sex
    ] + [
        {
            "dimension": "area",
            "category": a.area,
            "population": a.population,
            "updated_at": now,
        }
        for a in payload.area
    ]
    await repository.replace_margins(session, survey.id, rows)
    return payload


async def get_population(session: AsyncSession, code: str) -> PopulationMargins:
    survey = await require_survey(session, code)
    rows = await repository.margin_rows(session, survey.id, sorted_=True)
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
