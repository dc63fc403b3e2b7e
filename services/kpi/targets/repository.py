"""Queries of targets. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.kpi.targets.models import KpiTarget


async def targets_of(
    session: AsyncSession, codes: Sequence[str], area: str | None = None
) -> list[KpiTarget]:
    stmt = (
        select(KpiTarget)
        .where(col(KpiTarget.kpi_code).in_(list(codes)))
        .order_by(col(KpiTarget.kpi_code), col(KpiTarget.area), col(KpiTarget.valid_from))
    )
    if area is not None:
        stmt = stmt.where(col(KpiTarget.area) == area)
    return list((await session.execute(stmt)).scalars())


async def get_target(session: AsyncSession, target_id: uuid.UUID) -> KpiTarget | None:
    return await session.get(KpiTarget, target_id)


async def add(session: AsyncSession, target: KpiTarget) -> None:
    session.add(target)
    await session.flush()


async def delete(session: AsyncSession, target: KpiTarget) -> None:
    await session.delete(target)
    await session.flush()
