"""Queries of the registry summaries. Read only."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.activity.areas.models import Area
from services.activity.groups.models import CommunityGroup
from shared.contracts.taxonomy import AreaKind


async def neighbourhoods_under(session: AsyncSession, area: Area) -> list[Area]:
    stmt = select(Area).where(col(Area.kind) == AreaKind.neighbourhood.value)
    if area.kind == AreaKind.force.value:
        stmt = stmt.where(col(Area.force_code) == area.code)
    elif area.kind == AreaKind.district.value:
        stmt = stmt.where(col(Area.district_code) == area.code)
    else:
        stmt = stmt.where(col(Area.code) == area.code)
    return list((await session.execute(stmt)).scalars())


async def groups_under(session: AsyncSession, area: Area) -> list[CommunityGroup]:
    """Groups of the area and of every area under it (a force: also groups without an area)."""
    stmt = select(CommunityGroup)
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
    return list((await session.execute(stmt)).scalars())
