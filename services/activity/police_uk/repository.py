"""Queries of the police.uk domain (flush, never commit)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.activity.activities.repository import ACTIVITY
from services.activity.areas.models import Area
from services.activity.districts import in_districts
from services.activity.police_uk.models import PoliceUkEvent, PoliceUkForce, PoliceUkNeighbourhood
from shared.contracts.taxonomy import PUBLIC_EVENT_TYPES, AreaKind
from shared.db import table_of

AREA = table_of(Area)
EXTRA = table_of(PoliceUkNeighbourhood)
EVENT = table_of(PoliceUkEvent)
FORCE = table_of(PoliceUkForce)
PUBLIC_TYPES = sorted(t.value for t in PUBLIC_EVENT_TYPES)
MAX_EVENTS = 500


async def forces(session: AsyncSession) -> list[PoliceUkForce]:
    rows = await session.execute(select(PoliceUkForce).order_by(FORCE.c.id))
    return list(rows.scalars())


async def force(
    session: AsyncSession, force_id: str, *, for_update: bool = False
) -> PoliceUkForce | None:
    return await session.get(PoliceUkForce, force_id, with_for_update=for_update)


async def forces_changed_at(session: AsyncSession) -> datetime | None:
    latest: datetime | None = (
        await session.execute(select(func.max(FORCE.c.updated_at)))
    ).scalar_one()
    return latest


async def neighbourhoods(
    session: AsyncSession, force_id: str, districts: frozenset[str] | None = None
) -> list[Area]:
    rows = await session.execute(
        select(Area)
        .where(
            AREA.c.police_uk_force == force_id,
            AREA.c.police_uk_id.is_not(None),
            AREA.c.kind == AreaKind.neighbourhood.value,
            *in_districts(AREA.c.district_code, districts),
        )
        .order_by(AREA.c.police_uk_id)
    )
    return list(rows.scalars())


async def area_of(
    session: AsyncSession,
    force_id: str,
    neighbourhood_id: str,
    *,
    for_update: bool = False,
    districts: frozenset[str] | None = None,
) -> tuple[Area, PoliceUkNeighbourhood | None] | None:
    stmt = (
        select(Area, PoliceUkNeighbourhood)
        .outerjoin(EXTRA, EXTRA.c.area_code == AREA.c.code)
        .where(
            AREA.c.police_uk_force == force_id,
            AREA.c.police_uk_id == neighbourhood_id,
            *in_districts(AREA.c.district_code, districts),
        )
    )
    if for_update:
        stmt = stmt.with_for_update(of=AREA)
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1])


async def extras(
    session: AsyncSession, area_codes: Sequence[str]
) -> dict[str, PoliceUkNeighbourhood]:
    rows = await session.execute(
        select(PoliceUkNeighbourhood).where(EXTRA.c.area_code.in_(sorted(set(area_codes))))
    )
    return {extra.area_code: extra for extra in rows.scalars()}


def add(session: AsyncSession, record: Any) -> None:
    session.add(record)


async def flush(session: AsyncSession) -> None:
    await session.flush()


async def boundary_candidates(
    session: AsyncSession,
    latitude: float,
    longitude: float,
    districts: frozenset[str] | None = None,
) -> list[tuple[Area, PoliceUkNeighbourhood]]:
    """Neighbourhoods whose boundary's bounding box holds the point (the exact test is the
    geometry library's, on these few)."""
    rows = await session.execute(
        select(Area, PoliceUkNeighbourhood)
        .join(EXTRA, EXTRA.c.area_code == AREA.c.code)
        .where(
            EXTRA.c.min_latitude <= latitude,
            EXTRA.c.max_latitude >= latitude,
            EXTRA.c.min_longitude <= longitude,
            EXTRA.c.max_longitude >= longitude,
            AREA.c.police_uk_id.is_not(None),
            *in_districts(AREA.c.district_code, districts),
        )
        .order_by(AREA.c.code)
    )
    return [(row[0], row[1]) for row in rows]


def _published(area_code: str) -> Any:
    return and_(
        ACTIVITY.c.area_code == area_code,
        EVENT.c.public.is_(True),
    )


async def published_events(session: AsyncSession, area_code: str, now: datetime) -> list[Any]:
    """Upcoming events of the area its authors marked public: planned (never cancelled or
    completed), not deleted, of a public event type. Only public columns are read."""
    c = ACTIVITY.c
    rows = await session.execute(
        select(c.title, c.venue, c.activity_type, c.starts_at, c.ends_at, EVENT.c.description)
        .join(EVENT, EVENT.c.activity_id == c.id)
        .where(
            _published(area_code),
            c.status == "planned",
            c.deleted_at.is_(None),
            c.starts_at >= now,
            c.activity_type.in_(PUBLIC_TYPES),
        )
        .order_by(c.starts_at, c.id)
        .limit(MAX_EVENTS)
    )
    return list(rows)


async def events_changed_at(
    session: AsyncSession, area_code: str, now: datetime
) -> list[datetime | None]:
    """When the area's event list last changed: a publication or an activity amended or
    deleted, or an event passing into the past (it leaves the list then)."""
    c = ACTIVITY.c
    row = (
        await session.execute(
            select(
                func.max(EVENT.c.updated_at),
                func.max(c.updated_at),
                func.max(c.deleted_at),
                func.max(c.starts_at).filter(c.starts_at < now),
            )
            .select_from(EVENT.join(ACTIVITY, EVENT.c.activity_id == c.id))
            .where(c.area_code == area_code)
        )
    ).one()
    return list(row)


async def activity_row(session: AsyncSession, activity_id: uuid.UUID) -> Any:
    c = ACTIVITY.c
    return (
        await session.execute(
            select(c.id, c.logged_by, c.activity_type, c.status, c.deleted_at, c.area_code).where(
                c.id == activity_id
            )
        )
    ).first()


async def publication(
    session: AsyncSession, activity_id: uuid.UUID, *, for_update: bool = False
) -> PoliceUkEvent | None:
    return await session.get(PoliceUkEvent, activity_id, with_for_update=for_update)
