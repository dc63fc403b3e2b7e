"""Population margins: replaced whole by a PUT, read back as sent."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.population.models import PopulationMargin
from services.survey.population.schemas import PopulationMargins
from services.survey.surveys.service import require_survey
from shared.db import utcnow
from shared.problems import PROBLEM_BASE, ProblemError

MARGINS = PopulationMargin.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__


async def put_population(
    session: AsyncSession, code: str, payload: PopulationMargins
) -> PopulationMargins:
    survey = await require_survey(session, code)
    await session.execute(delete(MARGINS).where(MARGINS.c.survey_id == survey.id))
    now = utcnow()
    rows = [
        {
            "survey_id": survey.id,
            "dimension": "age_band_sex",
            "category": f"{c.age_band}|{c.sex}",
            "population": c.population,
            "updated_at": now,
        }
        for c in payload.age_band_sex
    ] + [
        {
            "survey_id": survey.id,
            "dimension": "area",
            "category": a.area,
            "population": a.population,
            "updated_at": now,
        }
        for a in payload.area
    ]
    await session.execute(insert(MARGINS), rows)
    return payload


async def get_population(session: AsyncSession, code: str) -> PopulationMargins:
    survey = await require_survey(session, code)
    rows = (
        await session.execute(
            select(MARGINS.c.dimension, MARGINS.c.category, MARGINS.c.population)
            .where(MARGINS.c.survey_id == survey.id)
            .order_by(MARGINS.c.dimension, MARGINS.c.category)
        )
    ).all()
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
