"""Queries of the "you said, we did" actions."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import (
    ColumnElement,
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


def _overdue(today: date) -> ColumnElement[bool]:
    """The overdue rule in SQL: not done, due before today (`service.action_list_item` says
    the same of one action)."""
    return and_(ACTION.c.done_on.is_(None), ACTION.c.due_on < today)


def _in_scope(
    area: str | None, district: str | None, districts: frozenset[str] | None
) -> list[ColumnElement[bool]]:
    """Actions of live activities, within the caller's districts and the filters asked for."""
    c = ACTIVITY.c
    conditions = [c.deleted_at.is_(None), *in_districts(c.district_code, districts)]
    if area is not None:
        conditions.append(c.area_code == area)
    if district is not None:
        conditions.append(c.district_code == district)
    return conditions


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
        .where(*_in_scope(area, district, districts))
    )
    if overdue_only:
        stmt = stmt.where(_overdue(today))
    elif open_only:
        stmt = stmt.where(col(ActivityAction.done_on).is_(None))
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
    stmt = (
        select(
            func.count(),
            func.count(a.done_on),
            func.coalesce(func.sum(case((_overdue(today), 1), else_=0)), 0),
        )
        .select_from(ACTION.join(ACTIVITY, c.id == a.activity_id))
        .where(*_in_scope(area, district, districts))
    )
    if from_ is not None:
        stmt = stmt.where(c.local_date >= from_)
    if to is not None:
        stmt = stmt.where(c.local_date <= to)
    total, done, late = (await session.execute(stmt)).one()
    return int(total), int(done), int(late)
