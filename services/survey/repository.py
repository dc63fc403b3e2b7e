"""Queries of the survey service. Flushes, never commits: the request boundary commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.models import Survey


def in_districts(area_column: Any, districts: frozenset[str] | None) -> list[Any]:
    """The service's one district rule: a caller limited to districts counts and reads only
    the responses of those districts. A response's `area` is the supplier's area code, and
    the force's suppliers code respondents by district (the codes of the activity service's
    districts, as the demo data does): so a limited caller sees the responses whose area is
    one of its districts, and none with another or an unknown area."""
    return [] if districts is None else [area_column.in_(sorted(districts))]


async def list_surveys(session: AsyncSession) -> list[Survey]:
    return list((await session.execute(select(Survey).order_by(Survey.code))).scalars())


async def get_survey(session: AsyncSession, code: str) -> Survey | None:
    stmt = select(Survey).where(Survey.code == code)  # type: ignore[arg-type]
    return (await session.execute(stmt)).scalar_one_or_none()
