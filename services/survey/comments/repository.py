"""Queries of free-text answers. Reads only."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.districts import in_districts
from services.survey.responses.models import Response
from shared.db import table_of

RESPONSES = table_of(Response)


async def answers_page(
    session: AsyncSession,
    survey_id: int,
    column_name: str,
    *,
    q: str | None,
    wave: str | None,
    area: str | None,
    after: tuple[str, bool] | None,
    limit: int,
    districts: frozenset[str] | None,
) -> Sequence[Row[str, str, str | None, str | None]]:
    """(respondent, wave, area, text) of the answers held in one free-text column, by
    respondent: those containing `q` (any case), of `wave` and `area` when given, from the
    respondent `after[0]` (itself included when `after[1]`), at most `limit`."""
    column = RESPONSES.c[column_name]
    stmt = select(RESPONSES.c.respondent_id, RESPONSES.c.wave, RESPONSES.c.area, column).where(
        RESPONSES.c.survey_id == survey_id,
        column.is_not(None),
        *in_districts(RESPONSES.c.area, districts),
    )
    if q:
        stmt = stmt.where(func.lower(column).contains(q.lower(), autoescape=True))
    if wave:
        stmt = stmt.where(RESPONSES.c.wave == wave)
    if area:
        stmt = stmt.where(RESPONSES.c.area == area)
    if after is not None:
        respondent, inclusive = after
        if inclusive:
            stmt = stmt.where(RESPONSES.c.respondent_id >= respondent)
        else:
            stmt = stmt.where(RESPONSES.c.respondent_id > respondent)
    stmt = stmt.order_by(RESPONSES.c.respondent_id).limit(limit)
    return (await session.execute(stmt)).all()
