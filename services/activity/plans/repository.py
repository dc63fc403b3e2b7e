"""Queries of the plans registry (the district rule is `districts.py`'s)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.activity.activities.models import Activity
from services.activity.plans.models import Plan
from shared.contracts.taxonomy import PlanKind
from shared.db import table_of

PLAN = table_of(Plan)
ACTIVITY = table_of(Activity)


def filtered(
    stmt: Select[Any], *, kind: PlanKind | None, parent_id: uuid.UUID | None, area: str | None
) -> Select[Any]:
    if kind is not None:
        stmt = stmt.where(PLAN.c.kind == kind.value)
    if parent_id is not None:
        stmt = stmt.where(PLAN.c.parent_id == parent_id)
    if area is not None:
        stmt = stmt.where(PLAN.c.area_code == area)
    return stmt


async def get_plan(session: AsyncSession, plan_id: uuid.UUID) -> Plan | None:
    return await session.get(Plan, plan_id)


async def existing_plans(session: AsyncSession, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `ids` are plans (one IN query; none for no ids)."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    return {row[0] for row in await session.execute(select(PLAN.c.id).where(PLAN.c.id.in_(wanted)))}


async def plan_activity_counts(
    session: AsyncSession, plan_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    """plan id -> {status: live activities}, for many plans in one grouped query."""
    out: dict[uuid.UUID, dict[str, int]] = {plan_id: {} for plan_id in plan_ids}
    if not plan_ids:
        return out
    rows = await session.execute(
        select(ACTIVITY.c.plan_id, ACTIVITY.c.status, func.count())
        .where(ACTIVITY.c.plan_id.in_(sorted(set(plan_ids))), ACTIVITY.c.deleted_at.is_(None))
        .group_by(ACTIVITY.c.plan_id, ACTIVITY.c.status)
    )
    for plan_id, status, count in rows:
        out[plan_id][status] = int(count)
    return out
