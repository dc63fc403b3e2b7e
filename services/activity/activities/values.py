"""The columns of an activity and its response body: what every write path stores,
derived from the request body the same way."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from services.activity.activities.models import (
    Activity,
    ActivityAction,
)
from services.activity.activities.schemas import (
    AS_STORED,
    ActionIn,
    ActionRead,
    ActivityBase,
    ActivityCreate,
    ActivityRead,
    ActivityUpdate,
    Audience,
    Debrief,
    Location,
    Outcome,
    Review,
    School,
)
from services.activity.versioned import version_etag
from shared.auth import Principal
from shared.contracts.taxonomy import (
    ReviewState,
    topic_mask,
)
from shared.db import utcnow
from shared.pagination import decode_cursor, encode_cursor
from shared.problems import invalid

LONDON = ZoneInfo("Europe/London")
RECEIVED = str(ReviewState.received)


def request_hash(payload: dict[str, Any]) -> str:
    """Canonical hash of a JSON-ready dict: key order and whitespace do not matter."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def etag_of(activity: Activity) -> str:
    return version_etag(activity.version)


def local_parts(starts_at: datetime) -> tuple[date, int, date]:
    """(local date, local month as YYYYMM, Monday of the local week) in Europe/London."""
    local = starts_at.astimezone(LONDON).date()
    return local, local.year * 100 + local.month, local - timedelta(days=local.weekday())


def today_local() -> date:
    return datetime.now(LONDON).date()


def search_text_of(payload: ActivityBase) -> str:
    parts = [payload.title, payload.notes]
    if payload.outcome is not None:
        parts += [payload.outcome.community_feedback, payload.outcome.closing_report]
    if payload.debrief is not None:
        parts += [payload.debrief.what_worked, payload.debrief.lessons]
    return "\n".join(p for p in parts if p)


def derived_parts(payload: ActivityBase) -> dict[str, Any]:
    """The columns derived from the body alone, as every write path stores them."""
    local_date, local_month, week_start = local_parts(payload.starts_at)
    # str() of a StrEnum member is its code (much cheaper than `.value`, a Python property).
    topics = sorted({str(t) for t in payload.topics})
    return {
        "topics": topics,
        "topic_mask": topic_mask(topics),
        "local_date": local_date,
        "local_month": local_month,
        "week_start": week_start,
        "search_text": search_text_of(payload),
    }


def derived_of(payload: ActivityCreate, district: str, body_hash: str) -> dict[str, Any]:
    """The columns the PostgreSQL batch insert does not take from the body itself
    (`repository.insert_activities_from_json`)."""
    return {**derived_parts(payload), "district_code": district, "request_hash": body_hash}


_DETAIL_PARTS = {"audience", "school", "outcome", "debrief"}


def details_of(payload: ActivityBase) -> dict[str, Any]:
    """The nested parts kept together in the `details` column (one serializer pass)."""
    return payload.model_dump(mode="json", include=_DETAIL_PARTS, exclude_none=True)


def with_action_ids(actions: list[ActionIn]) -> list[ActionIn]:
    return [a if a.id is not None else a.model_copy(update={"id": uuid.uuid4()}) for a in actions]


def action_rows(activity_id: uuid.UUID, actions: list[ActionIn]) -> list[dict[str, Any]]:
    return [
        {
            "id": a.id or uuid.uuid4(),
            "activity_id": activity_id,
            "position": position,
            "issue": a.issue,
            "action": a.action,
            "owner": a.owner,
            "due_on": a.due_on,
            "done_on": a.done_on,
            "outcome": a.outcome,
        }
        for position, a in enumerate(actions)
    ]


def content_values(payload: ActivityBase, district: str) -> dict[str, Any]:
    """Columns that follow from the editable content of an activity."""
    audience = payload.audience
    location = payload.location
    return {
        "title": payload.title,
        "status": str(payload.status),
        "starts_at": payload.starts_at.astimezone(UTC),
        "ends_at": payload.ends_at.astimezone(UTC) if payload.ends_at else None,
        "directorate": str(payload.directorate),
        "activity_type": str(payload.activity_type),
        "channel": str(payload.channel),
        "classification": str(payload.classification),
        "purpose": str(payload.purpose) if payload.purpose else None,
        "area_code": payload.area,
        "district_code": district,
        "venue": location.venue if location else None,
        "latitude": location.latitude if location else None,
        "longitude": location.longitude if location else None,
        "attendees": audience.attendees if audience else None,
        "young_people": audience.young_people if audience else None,
        "notes": payload.notes,
        "details": details_of(payload),
        "plan_id": payload.plan_id,
        "intel_submitted": payload.intel_submitted,
        "source": str(payload.source),
        **derived_parts(payload),
    }


def activity_values(
    payload: ActivityCreate,
    *,
    activity_id: uuid.UUID,
    principal: Principal,
    body_hash: str,
    district: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or utcnow()
    return {
        "id": activity_id,
        **content_values(payload, district),
        "logged_by": principal.key_id,
        "review_state": RECEIVED,
        "review_comment": None,
        "reviewed_by": None,
        "reviewed_at": None,
        "version": 1,
        "request_hash": body_hash,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
        "delete_reason": None,
        "deleted_by": None,
    }


def action_read(action: ActivityAction | dict[str, Any]) -> ActionRead:
    if isinstance(action, dict):
        return ActionRead.model_validate(action)
    return ActionRead.model_validate(action, from_attributes=True)


def to_read(activity: Activity | SimpleNamespace, actions: list[Any]) -> ActivityRead:
    """The response body of an activity (a loaded row, or the values just inserted)."""
    details = activity.details or {}
    location = None
    if activity.latitude is not None or activity.venue is not None:
        location = Location.model_construct(
            latitude=activity.latitude, longitude=activity.longitude, venue=activity.venue
        )
    return ActivityRead(
        id=activity.id,
        title=activity.title,
        status=activity.status,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        directorate=activity.directorate,
        activity_type=activity.activity_type,
        channel=activity.channel,
        classification=activity.classification,
        purpose=activity.purpose,
        topics=activity.topics,
        area=activity.area_code,
        district=activity.district_code,
        location=location,
        audience=Audience(**details["audience"]) if "audience" in details else None,
        school=School(**details["school"]) if "school" in details else None,
        outcome=Outcome(**details["outcome"]) if "outcome" in details else None,
        actions=[action_read(a) for a in actions],
        debrief=Debrief(**details["debrief"]) if "debrief" in details else None,
        plan_id=activity.plan_id,
        intel_submitted=activity.intel_submitted,
        notes=activity.notes,
        source=activity.source,
        review_state=activity.review_state,
        review=Review(
            state=activity.review_state,
            comment=activity.review_comment,
            reviewed_by=activity.reviewed_by,
            reviewed_at=activity.reviewed_at,
        ),
        logged_by=activity.logged_by,
        version=activity.version,
        created_at=activity.created_at,
        updated_at=activity.updated_at,
    )


_EDITABLE = frozenset(ActivityUpdate.model_fields)


def editable_of(read: ActivityRead) -> dict[str, Any]:
    """The activity as the body of a full update: what a merge patch applies to."""
    return ActivityUpdate.model_validate(
        read.model_dump(mode="json", include=set(_EDITABLE), exclude_none=True),
        context={AS_STORED: True},
    ).model_dump(mode="json", exclude_none=True)


def page_cursor(activity: Activity) -> str:
    return encode_cursor([activity.starts_at.isoformat(), str(activity.id)])


def parse_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    if cursor is None:
        return None
    starts_at, last_id = decode_cursor(cursor, size=2)
    try:
        return datetime.fromisoformat(starts_at), uuid.UUID(last_id)
    except (TypeError, ValueError) as exc:
        raise invalid("query.cursor", "not a cursor this service issued") from exc
