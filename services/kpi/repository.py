"""Queries of the KPI service. Flushes, never commits: the request boundary commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi.models import KpiDefinition


async def list_definitions(session: AsyncSession, pillar: str | None = None) -> list[KpiDefinition]:
    stmt = select(KpiDefinition).order_by(KpiDefinition.code)
    if pillar is not None:
        stmt = stmt.where(KpiDefinition.pillar == pillar)  # type: ignore[arg-type]
    return list((await session.execute(stmt)).scalars())


async def get_definition(session: AsyncSession, code: str) -> KpiDefinition | None:
    return await session.get(KpiDefinition, code)
