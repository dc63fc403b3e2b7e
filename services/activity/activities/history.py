"""The amendment history of an activity: one line per new version, who, when, what."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.activity import errors
from services.activity.activities import repository
from services.activity.activities.models import (
    ActivityHistory,
)
from services.activity.activities.schemas import HistoryEntry
from shared.auth import Principal


def entry(
    activity_id: uuid.UUID,
    version: int,
    change: str,
    principal: Principal,
    now: datetime,
    changes: dict[str, Any],
    comment: str | None = None,
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "activity_id": activity_id,
        "version": version,
        "change": change,
        "changed_by": principal.key_id,
        "changed_at": now,
        "changes": json.loads(json.dumps(changes, default=str)),
        "comment": comment,
    }


async def record(session: AsyncSession, *entries: dict[str, Any]) -> None:
    """New lines of history (one insert for many)."""
    await repository.add_history(session, *entries)


async def listing(
    session: AsyncSession, activity_id: uuid.UUID, districts: frozenset[str] | None = None
) -> list[HistoryEntry]:
    activity = await repository.get_activity(
        session, activity_id, include_deleted=True, districts=districts
    )
    if activity is None:
        raise errors.activity_not_found(activity_id)
    entries = [
        HistoryEntry(
            version=1,
            change="created",
            changed_by=activity.logged_by,
            changed_at=activity.created_at,
            fields=[],
            changes={},
        )
    ]
    rows: list[ActivityHistory] = await repository.history_of(session, activity_id)
    entries += [
        HistoryEntry(
            version=row.version,
            change=row.change,
            changed_by=row.changed_by,
            changed_at=row.changed_at,
            fields=sorted(row.changes),
            changes=row.changes,
            comment=row.comment,
        )
        for row in rows
    ]
    return entries
