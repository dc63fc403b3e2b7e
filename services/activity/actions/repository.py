"""Queries of the "you said, we did" actions."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import (
    and_,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.activity.activities.models import (
    Activity,
    ActivityAction,
)
from services.activity.activities.repository import ACTION, ACTIVITY
from services.activity.districts import in_districts


async def get_action(session: AsyncSession, action_id: uuid.UUID) -> ActivityAction | None:
    return await session.get(ActivityAction, action_id)


async def overdue_actions(
    session: AsyncSession,
    *,
    today: date,
    overdue_only: bool,
    open_only: bool,
    area: str | None,
    district: str | None,
    after: tuple[date | None, uuid.UUID] | None,
    limit: int,
    districts: frozenset[str] | None = None,
) -> list[tuple[ActivityAction, Activity]]:
    due = col(ActivityAction.due_on)
    stmt = (
        select(ActivityAction, Activity)
        .join(Activity, col(Activity.id) == col(ActivityAction.activity_id))
        .where(
            col(Activity.deleted_at).is_(None),
            *in_districts(ACTIVITY.c.district_code, districts),
        )
    )
    if overdue_only:
        stmt = stmt.where(
            col(ActivityAction.done_on).is_(None),
            due < today,
        )
    elif open_only:
        stmt = stmt.where(col(ActivityAction.done_on).is_(None))
    if area is not None:
        stmt = stmt.where(col(Activity.area_code) == area)
    if district is not None:
        stmt = stmt.where(col(Activity.district_code) == district)
    if after is not None:
        # Keyset on (due_on NULLS LAST, id).
        last_due, last_id = after
        if last_due is None:
            stmt = stmt.where(due.is_(None), col(ActivityAction.id) > last_id)
        else:
            stmt = stmt.where(
                or_(
                    due > last_due,
                    and_(due == last_due, col(ActivityAction.id) > last_id),
                    due.is_(None),
                )
            )
    stmt = stmt.order_by(due.asc().nulls_last(), col(ActivityAction.id)).limit(limit)
    return [(a, b) for a, b in (await session.execute(stmt)).all()]


async def action_counts(
    session: AsyncSession,
    *,
    today: date,
    area: str | None,
    district: str | None,
    from_: date | None,
    to: date | None,
    districts: frozenset[str] | None = None,
) -> tuple[int, int, int]:
    """(total, done, overdue) "you said, we did" actions, counted in one SQL pass; by the
    local date of the activity each was raised at, deleted activities' left out."""
    a, c = ACTION.c, ACTIVITY.c
    overdue = and_(a.done_on.is_(None), a.due_on < today)
    stmt = (
        select(
            func.count(),
            func.count(a.done_on),
            func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
        )
        .select_from(ACTION.join(ACTIVITY, ACTIVITY.c.id == a.activity_id))
        .where(c.deleted_at.is_(None), *in_districts(c.district_code, districts))
    )
    for column, value in ((c.area_code, area), (c.district_code, district)):
        if value is not None:
            stmt = stmt.where(column == value)
    if from_ is not None:
        stmt = stmt.where(c.local_date >= from_)
    if to is not None:
        stmt = stmt.where(c.local_date <= to)
    total, done, late = (await session.execute(stmt)).one()
    return int(total), int(done), int(late)
