"""Domain rules of the activity service."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.activity import errors, repository
from services.activity.models import Activity
from services.activity.schemas import (
    ActivityCreate,
    ActivityRead,
    Audience,
    Debrief,
    Location,
    Outcome,
    School,
    details_of,
)
from shared.auth import Principal
from shared.contracts.taxonomy import ReviewState
from shared.db import utcnow
from shared.pagination import decode_cursor, encode_cursor
from shared.problems import invalid

LONDON = ZoneInfo("Europe/London")


def request_hash(payload: dict[str, Any]) -> str:
    """Canonical hash of a request body: key order and whitespace do not matter."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def etag_of(activity: Activity) -> str:
    return f'"{activity.version}"'


def to_read(activity: Activity) -> ActivityRead:
    details = activity.details or {}
    location = None
    if activity.latitude is not None or activity.venue is not None:
        location = Location(
            latitude=activity.latitude, longitude=activity.longitude, venue=activity.venue
        )
    return ActivityRead(
        id=activity.id,
        title=activity.title,
        status=activity.status,  # type: ignore[arg-type]
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        directorate=activity.directorate,  # type: ignore[arg-type]
        activity_type=activity.activity_type,  # type: ignore[arg-type]
        channel=activity.channel,  # type: ignore[arg-type]
        classification=activity.classification,  # type: ignore[arg-type]
        purpose=activity.purpose,  # type: ignore[arg-type]
        topics=activity.topics,  # type: ignore[arg-type]
        area=activity.area_code,
        location=location,
        audience=Audience(**details["audience"]) if "audience" in details else None,
        school=School(**details["school"]) if "school" in details else None,
        outcome=Outcome(**details["outcome"]) if "outcome" in details else None,
        debrief=Debrief(**details["debrief"]) if "debrief" in details else None,
        plan_id=activity.plan_id,
        intel_submitted=activity.intel_submitted,
        notes=activity.notes,
        source=activity.source,  # type: ignore[arg-type]
        review_state=activity.review_state,  # type: ignore[arg-type]
        logged_by=activity.logged_by,
        version=activity.version,
        created_at=activity.created_at,
        updated_at=activity.updated_at,
    )


def activity_values(
    payload: ActivityCreate, *, activity_id: uuid.UUID, principal: Principal, body_hash: str
) -> dict[str, Any]:
    now = utcnow()
    audience = payload.audience
    location = payload.location
    return {
        "id": activity_id,
        "title": payload.title,
        "status": payload.status.value,
        "starts_at": payload.starts_at.astimezone(UTC),
        "ends_at": payload.ends_at.astimezone(UTC) if payload.ends_at else None,
        "directorate": payload.directorate.value,
        "activity_type": payload.activity_type.value,
        "channel": payload.channel.value,
        "classification": payload.classification.value,
        "purpose": payload.purpose.value if payload.purpose else None,
        "topics": sorted({t.value for t in payload.topics}),
        "area_code": payload.area,
        "venue": location.venue if location else None,
        "latitude": location.latitude if location else None,
        "longitude": location.longitude if location else None,
        "attendees": audience.attendees if audience else None,
        "young_people": audience.young_people if audience else None,
        "notes": payload.notes,
        "details": details_of(payload),
        "plan_id": payload.plan_id,
        "intel_submitted": payload.intel_submitted,
        "logged_by": principal.key_id,
        "source": payload.source.value,
        "review_state": ReviewState.received.value,
        "version": 1,
        "request_hash": body_hash,
        "created_at": now,
        "updated_at": now,
    }


@dataclass
class CreateResult:
    """What a create produced: the status, the JSON body and the headers to answer with."""

    status_code: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False


async def create_activity(
    session: AsyncSession,
    payload: ActivityCreate,
    *,
    principal: Principal,
    idempotency_key: str | None,
    location_prefix: str,
    ttl_hours: int,
    lock_timeout_ms: int,
) -> CreateResult:
    body_hash = request_hash(payload.model_dump(mode="json", exclude_unset=True))
    if idempotency_key is not None:
        await repository.set_lock_timeout(session, lock_timeout_ms)
        now = utcnow()
        try:
            claimed = await repository.claim_idempotency_key(
                session,
                {
                    "principal_id": principal.key_id,
                    "key": idempotency_key,
                    "method": "POST",
                    "path": location_prefix,
                    "request_hash": body_hash,
                    "status_code": 0,
                    "response_body": "",
                    "response_headers": {},
                    "created_at": now,
                    "expires_at": now + timedelta(hours=ttl_hours),
                },
            )
        except repository.LockTimeout as exc:
            raise errors.idempotency_in_flight() from exc
        if not claimed:
            record = await repository.get_idempotency_record(
                session, principal.key_id, idempotency_key
            )
            if record is None or record.status_code == 0:
                raise errors.idempotency_in_flight()
            if record.request_hash != body_hash:
                raise errors.idempotency_key_reused()
            return CreateResult(
                record.status_code,
                record.response_body,
                {**record.response_headers, "Idempotent-Replayed": "true"},
                replayed=True,
            )

    outcome = await _insert_or_replay(session, payload, principal, body_hash, location_prefix)
    if idempotency_key is not None:
        await repository.complete_idempotency_key(
            session,
            principal.key_id,
            idempotency_key,
            status_code=outcome.status_code,
            body=outcome.body,
            headers=outcome.headers,
        )
    return outcome


async def _insert_or_replay(
    session: AsyncSession,
    payload: ActivityCreate,
    principal: Principal,
    body_hash: str,
    location_prefix: str,
) -> CreateResult:
    activity_id = payload.id or uuid.uuid4()
    values = activity_values(
        payload, activity_id=activity_id, principal=principal, body_hash=body_hash
    )
    inserted = await repository.insert_activity(session, values)
    if inserted:
        activity = Activity(**values)
        replayed = False
    else:
        existing = await repository.get_activity(session, activity_id, include_deleted=True)
        if existing is None or existing.request_hash != body_hash:
            raise errors.client_id_conflict(activity_id)
        activity = existing
        replayed = True
    headers = {"Location": f"{location_prefix}/{activity.id}", "ETag": etag_of(activity)}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return CreateResult(201, to_read(activity).model_dump_json(), headers, replayed=replayed)


def local_day_start(day: date) -> datetime:
    """Midnight in Europe/London as a UTC instant: periods are reckoned in local time."""
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)


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
