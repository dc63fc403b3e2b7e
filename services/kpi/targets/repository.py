"""Queries of targets. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi.targets.models import KpiTarget


async def targets_of(
    session: AsyncSession, codes: Sequence[str], area: str | None = None
) -> list[KpiTarget]:
    stmt = (
        select(KpiTarget)
        .where(KpiTarget.kpi_code.in_(list(codes)))  # type: ignore[attr-defined]
        .order_by(KpiTarget.kpi_code, KpiTarget.area, KpiTarget.valid_from)  # type: ignore[arg-type]
    )
    if area is not None:
        stmt = stmt.where(KpiTarget.area == area)  # type: ignore[arg-type]
    return list((await session.execute(stmt)).scalars())


async def get_target(session: AsyncSession, target_id: uuid.UUID) -> KpiTarget | None:
    return await session.get(KpiTarget, target_id)


async def add(session: AsyncSession, target: KpiTarget) -> None:
    session.add(target)
    await session.flush()


async def delete(session: AsyncSession, target: KpiTarget) -> None:
    await session.delete(target)
    await session.flush()
