"""Rules of the "you said, we did" actions: one changed on its own is an amendment of its
activity; an action past due and not done is overdue."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import (
    ValidationError,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.activity import errors
from services.activity.actions import repository
from services.activity.actions.schemas import ActionListItem
from services.activity.activities.models import (
    Activity,
)
from services.activity.activities.schemas import ActionIn, ActionRead
from services.activity.activities.service import amend_loaded, load
from services.activity.activities.values import action_read, today_local
from services.activity.bodies import merge_patch
from services.activity.versioned import check_if_match
from shared.auth import Principal
from shared.contracts.activity import ActionSummary
from shared.pagination import CursorPage, decode_cursor, encode_cursor
from shared.problems import ProblemError, invalid


async def amend_action(
    session: AsyncSession,
    action_id: uuid.UUID,
    patch: dict[str, Any],
    *,
    if_match: str | None,
    principal: Principal,
) -> tuple[Activity, ActionRead]:
    """One "you said, we did" action changed on its own (done, outcome, new owner or date).

    It is part of its activity, so this is an amendment of that activity: its `If-Match`, a
    new version, a line in its history.
    """
    action = await repository.get_action(session, action_id)
    if action is None:
        raise errors.not_found("action", action_id)
    if "id" in patch:
        raise invalid("body.id", "read-only: set by the service", "read_only")
    try:
        activity, actions = await load(session, action.activity_id, principal.districts)
    except ProblemError as exc:
        raise errors.not_found("action", action_id) from exc
    listed = [action_read(a).model_dump(mode="json") for a in actions]
    target = next(i for i in listed if i["id"] == str(action_id))
    try:
        # Checked on its own first, so a problem names `body.<field>` of this request; and
        # before If-Match: a patch refused anyway is a 422 (RFC 9110, 13.2.1).
        ActionIn.model_validate(merge_patch({k: v for k, v in target.items() if k != "id"}, patch))
    except ValidationError as exc:
        raise errors.validation_problem(exc) from exc
    check_if_match(if_match, activity.version)
    merged = [merge_patch(i, patch) if i is target else i for i in listed]
    activity, stored = await amend_loaded(
        session, activity, actions, {"actions": merged}, principal
    )
    return activity, next(a for a in map(action_read, stored) if a.id == action_id)


def action_list_item(action: Any, activity: Activity, today: date) -> ActionListItem:
    read = action_read(action)
    return ActionListItem(
        **read.model_dump(),
        activity_id=activity.id,
        activity_title=activity.title,
        activity_version=activity.version,
        area=activity.area_code,
        district=activity.district_code,
        overdue=read.done_on is None and read.due_on is not None and read.due_on < today,
    )


async def list_actions(
    session: AsyncSession,
    *,
    overdue_only: bool,
    open_only: bool,
    area: str | None,
    district: str | None,
    cursor: str | None,
    limit: int,
    districts: frozenset[str] | None,
) -> CursorPage[ActionListItem]:
    """Soonest due first, undated last; keyset on (due_on, id)."""
    after = None
    if cursor is not None:
        due, last_id = decode_cursor(cursor, size=2)
        try:
            after = (date.fromisoformat(due) if due else None, uuid.UUID(last_id))
        except (TypeError, ValueError) as exc:
            raise invalid("query.cursor", "not a cursor this service issued") from exc
    today = today_local()
    rows = await repository.overdue_actions(
        session,
        today=today,
        overdue_only=overdue_only,
        open_only=open_only,
        area=area,
        district=district,
        after=after,
        limit=limit + 1,
        districts=districts,
    )
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = encode_cursor([last.due_on.isoformat() if last.due_on else "", str(last.id)])
    items = [action_list_item(action, activity, today) for action, activity in rows[:limit]]
    return CursorPage(items=items, limit=limit, next_cursor=next_cursor)


async def action_summary(
    session: AsyncSession,
    *,
    area: str | None,
    district: str | None,
    from_: date | None,
    to: date | None,
    districts: frozenset[str] | None,
) -> ActionSummary:
    """Exact done / open / overdue counts, whatever the volume (the list pages them)."""
    if from_ is not None and to is not None and to < from_:
        raise invalid("query.to", "must not be before `from`")
    today = today_local()
    total, done, overdue = await repository.action_counts(
        session,
        today=today,
        area=area,
        district=district,
        from_=from_,
        to=to,
        districts=districts,
    )
    applied = {"area": area, "district": district, "from": from_, "to": to}
    return ActionSummary(
        total=total,
        done=done,
        open=total - done,
        overdue=overdue,
        as_of=today,
        filters={k: str(v) for k, v in applied.items() if v is not None},
    )
