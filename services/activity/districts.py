"""The service's one district rule, and the registry lookups that apply it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.activity.areas.models import Area
from shared.db import table_of

AREA = table_of(Area)


def in_districts(column: Any, districts: frozenset[str] | None) -> list[Any]:
    """The service's one district rule, applied by every query that finds records: a caller
    limited to districts (`Principal.districts`) only ever reaches records of those districts;
    anything else is, to that caller, not there (a 404, never a 403)."""
    return [] if districts is None else [column.in_(sorted(districts))]


def registry_in_districts(model: Any, districts: frozenset[str] | None) -> list[Any]:
    """`in_districts` for a registry table: by its own district, or by its area's."""
    if districts is None:
        return []
    table = model.__table__
    if "district_code" in table.c:
        return in_districts(table.c.district_code, districts)
    areas = select(AREA.c.code).where(*in_districts(AREA.c.district_code, districts))
    return [table.c.area_code.in_(areas)]


async def get_registry_record(
    session: AsyncSession,
    model: Any,
    key: Any,
    districts: frozenset[str] | None,
    *,
    for_update: bool = False,
) -> Any:
    """One area, group, plan or volunteer-hours record, if the caller's districts reach it."""
    (primary,) = model.__table__.primary_key.columns
    stmt = select(model).where(primary == key, *registry_in_districts(model, districts))
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()
