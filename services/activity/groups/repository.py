"""Queries of the community groups registry (the district rule is `districts.py`'s)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from services.activity.groups.models import CommunityGroup
from shared.contracts.taxonomy import GroupType
from shared.db import table_of

GROUP = table_of(CommunityGroup)


def filtered(
    stmt: Select[Any], *, group_type: GroupType | None, area: str | None, active: bool | None
) -> Select[Any]:
    if group_type is not None:
        stmt = stmt.where(GROUP.c.group_type == group_type.value)
    if area is not None:
        stmt = stmt.where(GROUP.c.area_code == area)
    if active is not None:
        stmt = stmt.where(GROUP.c.active == active)
    return stmt
