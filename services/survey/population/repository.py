"""Queries of population margins. Flushes, never commits: the request boundary commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.survey.population.models import PopulationMargin
from shared.db import table_of

MARGINS = table_of(PopulationMargin)


async def margin_rows(
    conn: AsyncSession | AsyncConnection, survey_id: int, *, sorted_: bool = False
) -> Sequence[Row[str, str, float]]:
    """(dimension, category, population) of a survey's margins: as stored, or sorted by
    dimension and category."""
    stmt = select(MARGINS.c.dimension, MARGINS.c.category, MARGINS.c.population).where(
        MARGINS.c.survey_id == survey_id
    )
    if sorted_:
        stmt = stmt.order_by(MARGINS.c.dimension, MARGINS.c.category)
    return (await conn.execute(stmt)).all()


async def replace_margins(
    session: AsyncSession, survey_id: int, rows: list[dict[str, Any]]
) -> None:
    """The survey's margins become `rows` (dimension, category, population, updated_at)."""
    await session.execute(delete(MARGINS).where(MARGINS.c.survey_id == survey_id))
    await session.execute(insert(MARGINS), [{**r, "survey_id": survey_id} for r in rows])
