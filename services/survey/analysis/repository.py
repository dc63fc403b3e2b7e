"""Queries of the analyses: GROUP BYs over the responses of a survey. Reads only.

Each analysis reads a few aggregate rows, never the responses themselves: counts and sums of
the weight and its square per wave, group and answer (`answer_groups`), or respondents per
raking cell (`cell_counts`). Population margins are read through `population/repository.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, func, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.districts import in_districts
from services.survey.responses.models import Response
from shared.contracts.survey import Weighting
from shared.db import table_of

R = table_of(Response)
UNKNOWN = "(unknown)"


@dataclass
class Scope:
    """Waves from `first` to `last` (None: open-ended, up to the data) and demographic filters."""

    first: str | None
    last: str | None
    filters: dict[str, str]
    # The caller's own limit (`Principal.districts`), not a filter it chose: never echoed.
    districts: frozenset[str] | None = None


async def custom_plans(session: AsyncSession) -> None:
    # asyncpg prepares statements; a generic plan would not know the waves and picks an index
    # walk over the whole survey. Plan each analysis query for its actual values instead.
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _conditions(survey_id: int, scope: Scope) -> list[Any]:
    out: list[Any] = [R.c.survey_id == survey_id]
    if scope.first is not None:
        out.append(R.c.wave >= scope.first)
    if scope.last is not None:
        out.append(R.c.wave <= scope.last)
    for name, value in scope.filters.items():
        out.append(R.c[name] == value)
    return out + in_districts(R.c.area, scope.districts)


async def cell_counts(
    session: AsyncSession, survey_id: int, scope: Scope
) -> Sequence[Row[str, str | None, str | None, str | None, int]]:
    """(wave, age band, sex, area, respondents) of the raking cells in scope."""
    stmt = (
        select(R.c.wave, R.c.age_band, R.c.sex, R.c.area, func.count())
        .where(*_conditions(survey_id, scope))
        .group_by(R.c.wave, R.c.age_band, R.c.sex, R.c.area)
    )
    return (await session.execute(stmt)).all()


async def answer_groups(
    session: AsyncSession,
    survey_id: int,
    columns: Sequence[str],
    *,
    by: str,
    scope: Scope,
    weighting: Weighting,
) -> Sequence[Any]:
    """One GROUP BY on every answer column at once (a cross-tabulation, at most one row per
    response), over the responses in scope answering at least one of them.

    A row is the wave, the group (unless `by` is the wave; a missing value is UNKNOWN), the
    answer of each column (None: not answered), then: the count, sum w and sum w^2 (weighting
    `supplied`); the count (`none`); age band, sex, area and the count (`raked`: the weights
    are the cells')."""
    answers = [R.c[c] for c in columns]
    group = R.c.wave if by == "wave" else func.coalesce(R.c[by], literal(UNKNOWN))
    keys = [R.c.wave, *answers] if by == "wave" else [R.c.wave, group, *answers]
    conditions = [*_conditions(survey_id, scope), or_(*(a.is_not(None) for a in answers))]
    if weighting == Weighting.raked:
        cells = [R.c.age_band, R.c.sex, R.c.area]
        stmt = select(*keys, *cells, func.count()).where(*conditions).group_by(*keys, *cells)
    else:
        if weighting == Weighting.supplied:
            measures = [func.count(), func.sum(R.c.weight), func.sum(R.c.weight * R.c.weight)]
        else:
            measures = [func.count()]
        stmt = select(*keys, *measures).where(*conditions).group_by(*keys)
    return (await session.execute(stmt)).all()
