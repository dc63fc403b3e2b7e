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
    due = ActivityAction.due_on
    stmt = (
        select(ActivityAction, Activity)
        .join(Activity, Activity.id == ActivityAction.activity_id)  # type: ignore[arg-type]
        .where(
            Activity.deleted_at.is_(None),  # type: ignore[union-attr]
            *in_districts(ACTIVITY.c.district_code, districts),
        )
    )
    if overdue_only:
        stmt = stmt.where(
            ActivityAction.done_on.is_(None),  # type: ignore[union-attr]
            due < today,  # type: ignore[operator]
        )
    elif open_only:
        stmt = stmt.where(ActivityAction.done_on.is_(None))  # type: ignore[union-attr]
    if area is not None:
        stmt = stmt.where(Activity.area_code == area)  # type: ignore[arg-type]
    if district is not None:
        stmt = stmt.where(Activity.district_code == district)  # type: ignore[arg-type]
    if after is not None:
        # Keyset on (due_on NULLS LAST, id).
        last_due, last_id = after
        if last_due is None:
            stmt = stmt.where(due.is_(None), ActivityAction.id > last_id)  # type: ignore[union-attr, arg-type]
        else:
            stmt = stmt.where(
                or_(
                    due > last_due,  # type: ignore[operator]
                    and_(due == last_due, ActivityAction.id > last_id),  # type: ignore[arg-type]
                    due.is_(None),  # type: ignore[union-attr]
                )
            )
    stmt = stmt.order_by(due.asc().nulls_last(), ActivityAction.id).limit(limit)  # type: ignore[union-attr, arg-type]
    return [(a, b) for a, b in (await session.execute(stmt)).all()]
