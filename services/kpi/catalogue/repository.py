"""Queries of the catalogue. Flushes, never commits: the request boundary commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.kpi.catalogue.models import KpiDefinition


async def list_definitions(
    session: AsyncSession,
    *,
    pillar: str | None = None,
    source: str | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> list[KpiDefinition]:
    stmt = select(KpiDefinition).order_by(KpiDefinition.code)
    if pillar is not None:
        stmt = stmt.where(col(KpiDefinition.pillar) == pillar)
    if source is not None:
        stmt = stmt.where(col(KpiDefinition.source) == source)
    if after is not None:
        stmt = stmt.where(col(KpiDefinition.code) > after)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list((await session.execute(stmt)).scalars())


async def in_table_order(session: AsyncSession) -> list[KpiDefinition]:
    stmt = select(KpiDefinition).order_by(col(KpiDefinition.position), col(KpiDefinition.code))
    return list((await session.execute(stmt)).scalars())


async def get_definition(
    session: AsyncSession, code: str, *, for_update: bool = False
) -> KpiDefinition | None:
    return await session.get(KpiDefinition, code, with_for_update=for_update)


async def add(session: AsyncSession, definition: KpiDefinition) -> None:
    session.add(definition)
    await session.flush()
