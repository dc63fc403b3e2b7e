"""Queries of survey definitions. Flushes, never commits: the request boundary commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.surveys.models import Survey


async def list_surveys(session: AsyncSession) -> list[Survey]:
    return list((await session.execute(select(Survey).order_by(Survey.code))).scalars())


async def get_survey(session: AsyncSession, code: str) -> Survey | None:
    stmt = select(Survey).where(Survey.code == code)  # type: ignore[arg-type]  # the comparison is a clause, not a bool
    return (await session.execute(stmt)).scalar_one_or_none()
