"""Queries of the registry summaries. Read only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only
from sqlmodel import col

from services.activity.areas.models import Area
from services.activity.groups.models import CommunityGroup
from shared.contracts.taxonomy import AreaKind

# What a profile's completeness and its priorities read of a neighbourhood.
_PROFILE: tuple[Any, ...] = (Area.contact_details, Area.people, Area.priorities)


async def neighbourhoods_under(session: AsyncSession, area: Area) -> list[Area]:
    """The neighbourhoods at or under `area`, with only what a profile's completeness and its
    priorities read (a force's ~60, every column: ~half the summary's CPU)."""
    stmt = (
        select(Area)
        .options(load_only(*_PROFILE))
        .where(col(Area.kind) == AreaKind.neighbourhood.value)
    )
    if area.kind == AreaKind.force.value:
        stmt = stmt.where(col(Area.force_code) == area.code)
    elif area.kind == AreaKind.district.value:
        stmt = stmt.where(col(Area.district_code) == area.code)
    else:
        stmt = stmt.where(col(Area.code) == area.code)
    return list((await session.execute(stmt)).scalars())


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
