"""Queries of the registry summaries. Read only."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.activity.areas.models import Area
from services.activity.groups.models import CommunityGroup
from shared.contracts.taxonomy import AreaKind


async def neighbourhoods_under(session: AsyncSession, area: Area) -> list[Area]:
    stmt = select(Area).where(Area.kind == AreaKind.neighbourhood.value)  # type: ignore[arg-type]
    if area.kind == AreaKind.force.value:
        stmt = stmt.where(Area.force_code == area.code)  # type: ignore[arg-type]
    elif area.kind == AreaKind.district.value:
        stmt = stmt.where(Area.district_code == area.code)  # type: ignore[arg-type]
    else:
        stmt = stmt.where(Area.code == area.code)  # type: ignore[arg-type]
    return list((await session.execute(stmt)).scalars())


async def groups_under(session: AsyncSession, area: Area) -> list[CommunityGroup]:
    """Groups of the area and of every area under it (a force: also groups without an area)."""
    stmt = select(CommunityGroup)
    if area.kind == AreaKind.force.value:
        covered = select(Area.code).where(  # type: ignore[call-overload]
            or_(Area.code == area.code, Area.force_code == area.code)  # type: ignore[arg-type]
        )
        stmt = stmt.where(
            or_(CommunityGroup.area_code.is_(None), CommunityGroup.area_code.in_(covered))  # type: ignore[union-attr]
        )
    elif area.kind == AreaKind.district.value:
        covered = select(Area.code).where(  # type: ignore[call-overload]
            or_(Area.code == area.code, Area.district_code == area.code)  # type: ignore[arg-type]
        )
        stmt = stmt.where(CommunityGroup.area_code.in_(covered))  # type: ignore[union-attr]
    else:
        stmt = stmt.where(CommunityGroup.area_code == area.code)  # type: ignore[arg-type]
    return list((await session.execute(stmt)).scalars())
