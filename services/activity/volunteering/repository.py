"""Queries of the volunteer hours registry (the district rule is `districts.py`'s)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from services.activity.volunteering.models import VolunteerHours
from shared.contracts.taxonomy import VolunteerRole
from shared.db import table_of

HOURS = table_of(VolunteerHours)


def filtered(
    stmt: Select[Any],
    *,
    role: VolunteerRole | None,
    area: str | None,
    district: str | None,
    first_month: int | None,
    last_month: int | None,
) -> Select[Any]:
    if role is not None:
        stmt = stmt.where(HOURS.c.role == role.value)
    if area is not None:
        stmt = stmt.where(HOURS.c.area_code == area)
    if district is not None:
        stmt = stmt.where(HOURS.c.district_code == district)
    if first_month is not None:
        stmt = stmt.where(HOURS.c.local_month >= first_month)
    if last_month is not None:
        stmt = stmt.where(HOURS.c.local_month <= last_month)
    return stmt
