"""Queries of the areas registry. Flushes, never commits: the request boundary commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.activity.activities.models import Activity
from services.activity.areas.models import Area
from services.activity.districts import registry_in_districts
from services.activity.volunteering.models import VolunteerHours
from shared.contracts.taxonomy import AreaKind
from shared.db import table_of
from shared.pagination import decode_cursor

AREA = table_of(Area)
ACTIVITY = table_of(Activity)
HOURS = table_of(VolunteerHours)


async def get_area(session: AsyncSession, code: str, *, for_update: bool = False) -> Area | None:
    return await session.get(Area, code, with_for_update=for_update)


def listed(
    districts: frozenset[str] | None,
    *,
    kind: AreaKind | None,
    parent: str | None,
    district: str | None,
    cursor: str | None,
) -> Select[Any]:
    """The areas the caller's districts reach, filtered, in code order after `cursor`."""
    stmt = select(Area).where(*registry_in_districts(Area, districts))
    if kind is not None:
        stmt = stmt.where(AREA.c.kind == kind.value)
    if parent is not None:
        stmt = stmt.where(AREA.c.parent_code == parent)
    if district is not None:
        stmt = stmt.where(AREA.c.district_code == district)
    if cursor is not None:
        (after,) = decode_cursor(cursor, size=1)
        stmt = stmt.where(AREA.c.code > str(after))
    return stmt.order_by(AREA.c.code)


async def page(session: AsyncSession, stmt: Select[Any], limit: int) -> list[Area]:
    return list((await session.execute(stmt.limit(limit))).scalars())


async def police_uk_holder(
    session: AsyncSession, force: str | None, police_uk_id: str, code: str
) -> str | None:
    """The code of another area already linked to this data.police.uk id, if any."""
    return (
        await session.execute(
            select(AREA.c.code).where(
                AREA.c.police_uk_force == force,
                AREA.c.police_uk_id == police_uk_id,
                AREA.c.code != code,
            )
        )
    ).scalar_one_or_none()


async def kinds_and_districts(
    session: AsyncSession, codes: Iterable[str]
) -> dict[str, tuple[str, str]]:
    """code -> (kind, district) for the known codes among `codes`."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = await session.execute(
        select(AREA.c.code, AREA.c.kind, AREA.c.district_code).where(AREA.c.code.in_(wanted))
    )
    return {code: (kind, district) for code, kind, district in rows}


async def existing_area_codes(session: AsyncSession, codes: Iterable[str]) -> set[str]:
    wanted = sorted(set(codes))
    if not wanted:
        return set()
    rows = await session.execute(select(AREA.c.code).where(AREA.c.code.in_(wanted)))
    return {row[0] for row in rows}


async def areas_by_police_uk_id(
    session: AsyncSession, force: str, ids: Iterable[str]
) -> dict[str, Area]:
    """data.police.uk id -> the area linked to it, for the ids of `force` among `ids`."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(Area).where(AREA.c.police_uk_force == force, AREA.c.police_uk_id.in_(wanted))
    )
    return {area.police_uk_id: area for area in rows.scalars() if area.police_uk_id is not None}


async def set_district_of_area(
    session: AsyncSession, area_code: str, district: str, now: datetime
) -> list[tuple[uuid.UUID, int, str]]:
    """An area moved to another district: what is logged against it follows (set-based).

    Each moved activity gets a new version, since its representation (and so its ETag)
    changed. Returns (id, new version, old district) of each, for the amendment history.
    """
    # Locked first so a concurrent PATCH cannot slip a version in between (PostgreSQL;
    # SQLite writers are serialised anyway).
    moving = (
        await session.execute(
            select(ACTIVITY.c.id, ACTIVITY.c.version, ACTIVITY.c.district_code)
            .where(ACTIVITY.c.area_code == area_code, ACTIVITY.c.district_code != district)
            .with_for_update()
        )
    ).all()
    if moving:
        await session.execute(
            update(ACTIVITY)
            .where(ACTIVITY.c.area_code == area_code, ACTIVITY.c.district_code != district)
            .values(district_code=district, version=ACTIVITY.c.version + 1, updated_at=now)
        )
    await session.execute(
        update(HOURS)
        .where(
            HOURS.c.area_code == area_code,
            or_(HOURS.c.district_code.is_(None), HOURS.c.district_code != district),
        )
        .values(district_code=district)
    )
    return [(row.id, row.version + 1, row.district_code) for row in moving]


async def set_force_under_area(session: AsyncSession, parent_code: str, force: str | None) -> None:
    """A district moved to another force: the areas under it follow (set-based)."""
    await session.execute(
        update(AREA).where(AREA.c.parent_code == parent_code).values(force_code=force)
    )
