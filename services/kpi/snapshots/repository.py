"""Queries of snapshots. Flushes, never commits."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi.snapshots.models import Snapshot
from shared.db import table_of

TABLE = table_of(Snapshot)


async def add(session: AsyncSession, row: Snapshot) -> None:
    session.add(row)
    await session.flush()


async def get(session: AsyncSession, snapshot_id: uuid.UUID) -> Snapshot | None:
    return await session.get(Snapshot, snapshot_id)


async def reported(
    session: AsyncSession, board: str, reported_on: date, period: str, area: str | None
) -> Snapshot | None:
    """The snapshot of `period` and `area` reported to `board` on `reported_on`, if any."""
    stmt = select(Snapshot).where(
        TABLE.c.board == board,
        TABLE.c.reported_on == reported_on,
        TABLE.c.period == period,
        TABLE.c.area.is_(None) if area is None else TABLE.c.area == area,
    )
    return (await session.execute(stmt.limit(1))).scalars().first()


async def page(
    session: AsyncSession, after: tuple[date, uuid.UUID] | None, limit: int
) -> list[Snapshot]:
    stmt = select(Snapshot).order_by(TABLE.c.reported_on.desc(), TABLE.c.id.desc())
    if after is not None:
        stmt = stmt.where(tuple_(TABLE.c.reported_on, TABLE.c.id) < tuple_(*after))
    return list((await session.execute(stmt.limit(limit))).scalars())
