"""Queries of the registry summaries. Read only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Row, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.activity.areas.models import Area
from services.activity.groups.models import CommunityGroup
from shared.contracts.taxonomy import AreaKind


class ProfileColumns(NamedTuple):
    """What a profile's completeness and its priorities read of a neighbourhood
    (`police_uk.service.Profile`)."""

    contact_details: dict[str, Any]
    people: list[dict[str, Any]]
    priorities: list[dict[str, Any]]


async def neighbourhoods_under(session: AsyncSession, area: Area) -> list[ProfileColumns]:
    """The profiles of the neighbourhoods at or under `area` (a force's ~60: as whole `Area`
    records they cost ~2x the Python)."""
    stmt = select(col(Area.contact_details), col(Area.people), col(Area.priorities)).where(
        col(Area.kind) == AreaKind.neighbourhood.value
    )
    if area.kind == AreaKind.force.value:
        stmt = stmt.where(col(Area.force_code) == area.code)
    elif area.kind == AreaKind.district.value:
        stmt = stmt.where(col(Area.district_code) == area.code)
    else:
        stmt = stmt.where(col(Area.code) == area.code)
    return [ProfileColumns._make(row) for row in (await session.execute(stmt)).all()]


async def groups_under(
    session: AsyncSession, area: Area
) -> Sequence[Row[str, date | None, date | None, bool]]:
    """Groups of the area and of every area under it (a force: also groups without an area):
    what the activity rule reads of each (type, active from, active to, active)."""
    g = CommunityGroup
    stmt = select(col(g.group_type), col(g.active_from), col(g.active_to), col(g.active))
    if area.kind == AreaKind.force.value:
        covered = select(col(Area.code)).where(
            or_(col(Area.code) == area.code, col(Area.force_code) == area.code)
        )
        stmt = stmt.where(
            or_(col(CommunityGroup.area_code).is_(None), col(CommunityGroup.area_code).in_(covered))
        )
    elif area.kind == AreaKind.district.value:
        covered = select(col(Area.code)).where(
            or_(col(Area.code) == area.code, col(Area.district_code) == area.code)
        )
        stmt = stmt.where(col(CommunityGroup.area_code).in_(covered))
    else:
        stmt = stmt.where(col(CommunityGroup.area_code) == area.code)
    return (await session.execute(stmt)).all()
