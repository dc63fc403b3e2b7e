"""Rules of the engagement log: what an activity refers to, amending, deleting, reviewing."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import (
    ValidationError,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.activity import errors
from services.activity.activities import history, repository
from services.activity.activities.models import (
    Activity,
)
from services.activity.activities.schemas import (
    ActivityBase,
    ActivityRead,
    ActivityUpdate,
    ReviewIn,
)
from services.activity.activities.values import (
    RECEIVED,
    action_rows,
    content_values,
    editable_of,
    etag_of,
    page_cursor,
    parse_cursor,
    to_read,
    with_action_ids,
)
from services.activity.analytics.filters import Filters
from services.activity.areas import repository as areas_repository
from services.activity.areas.service import loggable_district
from services.activity.bodies import merge_patch
from services.activity.plans.repository import existing_plans
from services.activity.versioned import check_if_match
from shared.auth import Principal
from shared.contracts.taxonomy import (
    ReviewDecision,
    ReviewState,
)
from shared.db import utcnow
from shared.pagination import CursorPage
from shared.problems import invalid

# Fields a client reads but never writes (a patch naming them is refused with a reason).
READ_ONLY = frozenset(
    {
        "id",
        "district",
        "review_state",
        "review",
        "logged_by",
        "version",
        "created_at",
        "updated_at",
    }
)


def visible_areas(
    areas: dict[str, tuple[str, str]], principal: Principal | None
) -> dict[str, tuple[str, str]]:
    """The areas a caller may log against: to a caller limited to districts, an area of
    another district is an unknown area."""
    if principal is None or principal.districts is None:
        return areas
    return {code: kd for code, kd in areas.items() if principal.sees(kd[1])}


async def resolve_refs(
    session: AsyncSession,
    payload: ActivityBase,
    prefix: str = "body",
    principal: Principal | None = None,
) -> str:
    areas = visible_areas(
        await areas_repository.kinds_and_districts(session, [payload.area]), principal
    )
    district = loggable_district(areas.get(payload.area), payload.area, f"{prefix}.area")
    if payload.plan_id is not None and payload.plan_id not in await existing_plans(
        session, [payload.plan_id]
    ):
        raise invalid(f"{prefix}.plan_id", "no plan with this id", "unknown_plan")
    return district


async def load(
    session: AsyncSession, activity_id: uuid.UUID, districts: frozenset[str] | None = None
) -> tuple[Activity, list[Any]]:
    activity = await repository.get_activity(session, activity_id, districts=districts)
    if activity is None:
        raise errors.activity_not_found(activity_id)
    actions = (await repository.actions_of(session, [activity_id]))[activity_id]
    return activity, actions


async def amend_activity(
    session: AsyncSession,
    activity_id: uuid.UUID,
    patch: dict[str, Any],
    *,
    if_match: str | None,
    principal: Principal,
) -> tuple[Activity, list[Any]]:
    activity, actions = await load(session, activity_id, principal.districts)
    for name in patch:
        if name in READ_ONLY:
            raise invalid(f"body.{name}", "read-only: set by the service", "read_only")
    # A patch refused anyway is a 422 whatever its If-Match (RFC 9110, 13.2.1).
    try:
        ActivityUpdate.model_validate(merge_patch(editable_of(to_read(activity, actions)), patch))
    except ValidationError as exc:
        raise errors.validation_problem(exc) from exc
    check_if_match(if_match, activity.version)
    return await amend_loaded(session, activity, actions, patch, principal)


async def amend_loaded(
    session: AsyncSession,
    activity: Activity,
    actions: list[Any],
    patch: dict[str, Any],
    principal: Principal,
) -> tuple[Activity, list[Any]]:
    """Apply a merge patch to an activity already loaded and matched against `If-Match`."""
    activity_id = activity.id
    current = editable_of(to_read(activity, actions))
    try:
        updated = ActivityUpdate.model_validate(merge_patch(current, patch))
    except ValidationError as exc:
        raise errors.validation_problem(exc) from exc
    updated = updated.model_copy(update={"actions": with_action_ids(updated.actions)})
    new = updated.model_dump(mode="json", exclude_none=True)
    changes = {
        name: {"old": current.get(name), "new": new.get(name)}
        for name in sorted(set(current) | set(new))
        if current.get(name) != new.get(name)
    }
    if not changes:
        return activity, actions
    district = await resolve_refs(session, updated, principal=principal)
    values = content_values(updated, district)
    now = utcnow()
    values.update(version=activity.version + 1, updated_at=now)
    if activity.review_state != ReviewState.received and set(changes) != {"actions"}:
        # Amended content needs a fresh review; following up its "you said, we did" actions
        # does not change the account that was reviewed.
        values.update(review_state=RECEIVED)
        changes["review_state"] = {"old": activity.review_state, "new": ReviewState.received}
    if not await repository.update_activity(session, activity_id, activity.version, values):
        raise errors.stale_etag(etag_of(activity))
    new_actions = action_rows(activity_id, updated.actions)
    if "actions" in changes:
        await repository.replace_actions(session, activity_id, new_actions)
    await history.record(
        session,
        history.entry(activity_id, values["version"], "amended", principal, now, changes),
    )
    for key, value in values.items():
        setattr(activity, key, value)
    return activity, new_actions if "actions" in changes else actions


async def delete_activity(
    session: AsyncSession,
    activity_id: uuid.UUID,
    *,
    reason: str,
    if_match: str | None,
    principal: Principal,
) -> None:
    activity, _ = await load(session, activity_id, principal.districts)
    check_if_match(if_match, activity.version)
    now = utcnow()
    version = activity.version + 1
    values = {
        "deleted_at": now,
        "delete_reason": reason,
        "deleted_by": principal.key_id,
        "version": version,
        "updated_at": now,
    }
    if not await repository.update_activity(session, activity_id, activity.version, values):
        raise errors.stale_etag(etag_of(activity))
    await history.record(
        session,
        history.entry(
            activity_id,
            version,
            "deleted",
            principal,
            now,
            {"deleted": {"old": False, "new": True}},
            reason,
        ),
    )


async def review_activity(
    session: AsyncSession,
    activity_id: uuid.UUID,
    review: ReviewIn,
    *,
    if_match: str | None,
    principal: Principal,
) -> tuple[Activity, list[Any]]:
    activity, actions = await load(session, activity_id, principal.districts)
    if if_match is not None:
        check_if_match(if_match, activity.version)
    if review.decision is ReviewDecision.flag and not review.comment:
        raise invalid("body.comment", "say what needs fixing when flagging", "missing")
    state = (
        ReviewState.approved
        if review.decision is ReviewDecision.approve
        else ReviewState.has_issues
    )
    now = utcnow()
    values: dict[str, Any] = {
        "review_state": state.value,
        "review_comment": review.comment,
        "reviewed_by": principal.key_id,
        "reviewed_at": now,
        "version": activity.version + 1,
        "updated_at": now,
    }
    if not await repository.update_activity(session, activity_id, activity.version, values):
        raise errors.stale_etag(etag_of(activity))
    await history.record(
        session,
        history.entry(
            activity_id,
            values["version"],
            "reviewed",
            principal,
            now,
            {"review_state": {"old": activity.review_state, "new": state.value}},
            review.comment,
        ),
    )
    for key, value in values.items():
        setattr(activity, key, value)
    return activity, actions


async def list_activities(
    session: AsyncSession, filters: Filters, cursor: str | None, limit: int, *also: Any
) -> CursorPage[ActivityRead]:
    """The log as `filters` (and any further conditions) narrow it, newest first."""
    conditions = [*filters.conditions(repository.dialect_of(session)), *also]
    return await list_page(session, conditions, cursor, limit)


async def list_page(
    session: AsyncSession, conditions: list[Any], cursor: str | None, limit: int
) -> CursorPage[ActivityRead]:
    """A page of the log: keyset on (starts_at, id), each activity with its actions."""
    rows = await repository.list_activities(
        session, conditions=conditions, after=parse_cursor(cursor), limit=limit + 1
    )
    next_cursor = page_cursor(rows[limit - 1]) if len(rows) > limit else None
    page = rows[:limit]
    actions = await repository.actions_of(session, [r.id for r in page])
    return CursorPage(
        items=[to_read(r, actions[r.id]) for r in page],
        limit=limit,
        next_cursor=next_cursor,
    )
