"""Queries of the "you said, we did" actions."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import (
    and_,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.activity.activities.models import (
    Activity,
    ActivityAction,
)
from services.activity.activities.repository import ACTIVITY
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
