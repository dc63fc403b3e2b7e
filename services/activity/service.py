"""Domain rules of the activity service."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.activity import errors, repository
from services.activity.bodies import merge_patch
from services.activity.models import Activity, ActivityAction, ActivityHistory
from services.activity.schemas import (
    AS_STORED,
    ActionIn,
    ActionListItem,
    ActionRead,
    ActivityBase,
    ActivityCreate,
    ActivityRead,
    ActivityUpdate,
    Audience,
    BatchItemResult,
    BatchResult,
    Debrief,
    HistoryEntry,
    Location,
    Outcome,
    Review,
    ReviewIn,
    School,
)
from shared.auth import Principal
from shared.contracts.taxonomy import AreaKind, ReviewDecision, ReviewState, topic_mask
from shared.db import Database, utcnow
from shared.pagination import decode_cursor, encode_cursor
from shared.problems import ProblemError, invalid, problem_body

LONDON = ZoneInfo("Europe/London")
RECEIVED = str(ReviewState.received)
# Many bodies written as one JSON array in one pydantic-core call.
_BODIES: TypeAdapter[list[ActivityCreate]] = TypeAdapter(list[ActivityCreate])

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


def request_hash(payload: dict[str, Any]) -> str:
    """Canonical hash of a JSON-ready dict: key order and whitespace do not matter."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def version_etag(version: int) -> str:
    """The ETag of a record at `version` (activities and registry records alike)."""
    return f'"{version}"'


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


_DETAIL_PARTS = frozenset({"audience", "school", "outcome", "debrief"})


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
        source=activity.source,  # type: ignore[arg-type]
        review_state=activity.review_state,  # type: ignore[arg-type]
        review=Review(
            state=activity.review_state,  # type: ignore[arg-type]
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


def check_area(kind_district: tuple[str, str] | None, code: str, field: str) -> str:
    """The district of the area an activity is logged against."""
    if kind_district is None:
        raise invalid(field, f"unknown area {code!r} (see GET /api/v1/areas)", "unknown_area")
    kind, district = kind_district
    if kind not in (AreaKind.neighbourhood, AreaKind.district) or not district:
        raise invalid(field, "log against a neighbourhood or a district, not a force", "area_kind")
    return district


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
    areas = visible_areas(await repository.area_districts(session, [payload.area]), principal)
    district = check_area(areas.get(payload.area), payload.area, f"{prefix}.area")
    if payload.plan_id is not None and payload.plan_id not in await repository.existing_plans(
        session, [payload.plan_id]
    ):
        raise invalid(f"{prefix}.plan_id", "no plan with this id", "unknown_plan")
    return district


# --- create --------------------------------------------------------------------------------


@dataclass
class CreateResult:
    """What a create produced: the status, the JSON body and the headers to answer with."""

    status_code: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False


def body_hash_of(payload: ActivityCreate) -> str:
    """SHA-256 of the validated body as pydantic writes it: the model's field order and only
    the fields sent, so the client's key order and whitespace do not matter (one call into
    pydantic-core: a third of the cost of the dict-and-sorted-dump hash it replaces)."""
    document = payload.__pydantic_serializer__.to_json(payload, exclude_unset=True)
    return hashlib.sha256(document).hexdigest()


def same_body(stored_hash: str, body_hash: str, payload: ActivityCreate) -> bool:
    """Whether a stored create came from this body. Rows and keys stored before the hash
    changed carry the earlier form (`request_hash` of the dumped dict), checked on a miss."""
    if stored_hash == body_hash:
        return True
    return stored_hash == request_hash(payload.model_dump(mode="json", exclude_unset=True))


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
    body_hash = body_hash_of(payload)
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
            if not same_body(record.request_hash, body_hash, payload):
                raise errors.idempotency_key_reused()
            return CreateResult(
                record.status_code,
                record.response_body,
                {**record.response_headers, "Idempotent-Replayed": "true"},
                replayed=True,
            )

    if principal.districts is not None:
        await resolve_refs(session, payload, principal=principal)  # its districts only
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


def can_create_alone(
    payload: ActivityCreate, idempotency_key: str | None, principal: Principal
) -> bool:
    """A create that is one INSERT and nothing else: no Idempotency-Key record to keep with
    it, no actions to store with it, no plan to check first, no district limit to check.
    Most phone logs are."""
    return (
        idempotency_key is None
        and not payload.actions
        and payload.plan_id is None
        and principal.districts is None
    )


async def create_activity_alone(
    db: Database,
    payload: ActivityCreate,
    *,
    principal: Principal,
    location_prefix: str,
    audit_record: Callable[[uuid.UUID], dict[str, Any]] | None = None,
) -> CreateResult | None:
    """The hot path of `can_create_alone` creates: the insert runs on its own, autocommitted
    on the driver (one round trip, no session), with its audit record (`audit_record` for
    the new id) in the same statement. None when nothing was inserted (the client id exists,
    or the area is unknown): the full path then tells replay, conflict, deleted and unknown
    area apart, and records the outcome."""
    activity_id = payload.id or uuid.uuid4()
    values = activity_values(
        payload,
        activity_id=activity_id,
        principal=principal,
        body_hash=body_hash_of(payload),
        district="",
    )
    if audit_record is None:
        district = await repository.insert_activity_in_area_alone(db, values)
    else:
        record = audit_record(activity_id)
        district = await repository.insert_activity_in_area_recorded(db, values, record)
    if district is None:
        return None
    values["district_code"] = district
    return _created(values, [], location_prefix)


def _created(
    values: dict[str, Any], actions: list[dict[str, Any]], location_prefix: str
) -> CreateResult:
    read = to_read(SimpleNamespace(**values), actions)
    headers = {"Location": f"{location_prefix}/{values['id']}", "ETag": version_etag(1)}
    return CreateResult(201, read.model_dump_json(), headers)


async def _insert_or_replay(
    session: AsyncSession,
    payload: ActivityCreate,
    principal: Principal,
    body_hash: str,
    location_prefix: str,
) -> CreateResult:
    activity_id = payload.id or uuid.uuid4()
    if payload.plan_id is not None and payload.plan_id not in await repository.existing_plans(
        session, [payload.plan_id]
    ):
        raise invalid("body.plan_id", "no plan with this id", "unknown_plan")
    values = activity_values(
        payload, activity_id=activity_id, principal=principal, body_hash=body_hash, district=""
    )
    # The hot path is one statement: area check, derived district and insert together.
    district = await repository.insert_activity_in_area(session, values)
    if district is not None:
        values["district_code"] = district
        actions = action_rows(activity_id, payload.actions)
        await repository.insert_rows(session, repository.ACTION, actions)
        return _created(values, actions, location_prefix)
    existing = await repository.get_activity(session, activity_id, include_deleted=True)
    if existing is None:
        await resolve_refs(session, payload)  # names the field that failed
        raise errors.client_id_conflict(activity_id)
    if existing.deleted_at is not None:
        # Never a "replay" of something GET answers 404 for; the id is not reused either.
        raise errors.activity_deleted(activity_id, existing.deleted_at)
    if not same_body(existing.request_hash, body_hash, payload):
        raise errors.client_id_conflict(activity_id)
    read = to_read(existing, (await repository.actions_of(session, [activity_id]))[activity_id])
    headers = {
        "Location": f"{location_prefix}/{activity_id}",
        "ETag": version_etag(existing.version),
        "Idempotent-Replayed": "true",
    }
    return CreateResult(201, read.model_dump_json(), headers, replayed=True)


# --- batch ---------------------------------------------------------------------------------


def _problem_dict(problem: ProblemError) -> dict[str, Any]:
    return problem_body(
        problem.status,
        title=problem.title,
        detail=problem.detail,
        type_=problem.type,
        errors=problem.errors,
        extra=problem.extra,
    )


async def create_batch(
    session: AsyncSession, items: list[Any], *, principal: Principal
) -> BatchResult:
    """Validate every item, then store the valid ones with set-based SQL.

    One `INSERT ... ON CONFLICT (id) DO NOTHING RETURNING id` for all rows stores the new ones
    (sent as multi-row VALUES pages); ids that were already there are told apart (same body:
    replayed, else conflict) by one `SELECT`; actions of the new ones go in one insert.
    """
    results: list[BatchItemResult | None] = [None] * len(items)
    parsed: list[tuple[int, ActivityCreate, str]] = []
    for index, raw in enumerate(items):
        try:
            if isinstance(raw, ActivityCreate):
                payload = raw  # already validated with the whole batch (`bodies.read_batch`)
            elif isinstance(raw, dict):
                try:
                    payload = ActivityCreate.model_validate(raw)
                except ValidationError as exc:
                    raise errors.validation_problem(exc, f"body.items.{index}") from exc
            else:
                raise invalid(f"body.items.{index}", "must be a JSON object", "dict_type")
            if payload.id is None:
                raise invalid(
                    f"body.items.{index}.id",
                    "required in a batch: a client-generated id makes a resend safe",
                    "missing",
                )
        except ProblemError as problem:
            item_id = raw.get("id") if isinstance(raw, dict) else None
            results[index] = BatchItemResult(
                index=index,
                id=_maybe_uuid(item_id),
                outcome="invalid",
                status=422,
                problem=_problem_dict(problem),
            )
            continue
        parsed.append((index, payload, body_hash_of(payload)))

    areas = visible_areas(
        await repository.area_districts(session, [p.area for _, p, _ in parsed]), principal
    )
    plans = await repository.existing_plans(
        session, [p.plan_id for _, p, _ in parsed if p.plan_id is not None]
    )
    now = utcnow()
    # PostgreSQL takes the bodies as JSON and derives the row itself; SQLite gets the rows.
    on_postgresql = repository.dialect_of(session) == "postgresql"
    rows: list[dict[str, Any]] = []
    bodies: list[ActivityCreate] = []
    pending: dict[uuid.UUID, tuple[int, ActivityCreate, str]] = {}
    duplicates: list[tuple[int, ActivityCreate, str]] = []
    for index, payload, body_hash in parsed:
        try:
            district = check_area(areas.get(payload.area), payload.area, f"body.items.{index}.area")
            if payload.plan_id is not None and payload.plan_id not in plans:
                raise invalid(f"body.items.{index}.plan_id", "no plan with this id", "unknown_plan")
        except ProblemError as problem:
            results[index] = BatchItemResult(
                index=index,
                id=payload.id,
                outcome="invalid",
                status=422,
                problem=_problem_dict(problem),
            )
            continue
        assert payload.id is not None
        if payload.id in pending:
            duplicates.append((index, payload, body_hash))
            continue
        pending[payload.id] = (index, payload, body_hash)
        if on_postgresql:
            bodies.append(payload)
            rows.append(derived_of(payload, district, body_hash))
            continue
        rows.append(
            activity_values(
                payload,
                activity_id=payload.id,
                principal=principal,
                body_hash=body_hash,
                district=district,
                now=now,
            )
        )

    if on_postgresql:
        inserted = await repository.insert_activities_from_json(
            session,
            _BODIES.dump_json(bodies),
            rows,
            logged_by=principal.key_id,
            review_state=RECEIVED,
            now=now,
        )
    else:
        inserted = await repository.insert_activities(session, rows)
    stored = await repository.stored_creates(session, set(pending) - inserted)
    action_rows_all: list[dict[str, Any]] = []
    for activity_id, (index, payload, body_hash) in pending.items():
        if activity_id in inserted:
            results[index] = BatchItemResult(
                index=index, id=activity_id, outcome="created", status=201, etag=version_etag(1)
            )
            action_rows_all += action_rows(activity_id, payload.actions)
            continue
        results[index] = _existing_outcome(
            index, activity_id, body_hash, payload, stored.get(activity_id)
        )
    for index, payload, body_hash in duplicates:
        assert payload.id is not None
        first = pending[payload.id]
        same = first[2] == body_hash
        stored_as = results[first[0]]  # the first item with this id: what is stored under it
        results[index] = BatchItemResult(
            index=index,
            id=payload.id,
            outcome="replayed" if same else "conflict",
            status=201 if same else 409,
            etag=stored_as.etag if stored_as is not None else None,
            problem=None if same else _problem_dict(errors.client_id_conflict(payload.id)),
        )
    await repository.insert_rows(session, repository.ACTION, action_rows_all)

    final = [r for r in results if r is not None]
    counts = {
        k: sum(1 for r in final if r.outcome == k)
        for k in ("created", "replayed", "conflict", "gone", "invalid")
    }
    return BatchResult(**counts, items=final)


def _existing_outcome(
    index: int,
    activity_id: uuid.UUID,
    body_hash: str,
    payload: ActivityCreate,
    stored: repository.StoredCreate | None,
) -> BatchItemResult:
    if stored is not None and stored.deleted_at is not None:
        return BatchItemResult(
            index=index,
            id=activity_id,
            outcome="gone",
            status=410,
            problem=_problem_dict(errors.activity_deleted(activity_id, stored.deleted_at)),
        )
    if stored is not None and same_body(stored.request_hash, body_hash, payload):
        return BatchItemResult(
            index=index,
            id=activity_id,
            outcome="replayed",
            status=201,
            etag=version_etag(stored.version),
        )
    return BatchItemResult(
        index=index,
        id=activity_id,
        outcome="conflict",
        status=409,
        etag=version_etag(stored.version) if stored is not None else None,
        problem=_problem_dict(errors.client_id_conflict(activity_id)),
    )


def _maybe_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None


# --- amend, delete, review -----------------------------------------------------------------


def etag_offered(if_match: str, current: str) -> bool:
    """Whether an `If-Match` header names the current ETag (or `*`); weak tags compare too."""
    offered = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    return "*" in offered or current in offered


def check_if_match(if_match: str | None, activity: Activity) -> None:
    current = etag_of(activity)
    if if_match is None or not if_match.strip():
        raise errors.if_match_required()
    if not etag_offered(if_match, current):
        raise errors.stale_etag(current)


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
    check_if_match(if_match, activity)
    return await _amend_loaded(session, activity, actions, patch, principal)


async def _amend_loaded(
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
    await repository.add_history(
        session,
        history_entry(activity_id, values["version"], "amended", principal, now, changes),
    )
    for key, value in values.items():
        setattr(activity, key, value)
    return activity, new_actions if "actions" in changes else actions


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
    check_if_match(if_match, activity)
    merged = [merge_patch(i, patch) if i is target else i for i in listed]
    activity, stored = await _amend_loaded(
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


def history_entry(
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


async def delete_activity(
    session: AsyncSession,
    activity_id: uuid.UUID,
    *,
    reason: str,
    if_match: str | None,
    principal: Principal,
) -> None:
    activity, _ = await load(session, activity_id, principal.districts)
    check_if_match(if_match, activity)
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
    await repository.add_history(
        session,
        history_entry(
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
        check_if_match(if_match, activity)
    if review.decision is ReviewDecision.flag and not review.comment:
        raise invalid("body.comment", "say what needs fixing when flagging", "missing")
    state = (
        ReviewState.approved
        if review.decision is ReviewDecision.approve
        else ReviewState.has_issues
    )
    now = utcnow()
    values = {
        "review_state": state.value,
        "review_comment": review.comment,
        "reviewed_by": principal.key_id,
        "reviewed_at": now,
        "version": activity.version + 1,
        "updated_at": now,
    }
    if not await repository.update_activity(session, activity_id, activity.version, values):
        raise errors.stale_etag(etag_of(activity))
    await repository.add_history(
        session,
        history_entry(
            activity_id,
            values["version"],
            "reviewed",
            principal,
            now,  # type: ignore[arg-type]
            {"review_state": {"old": activity.review_state, "new": state.value}},
            review.comment,
        ),
    )
    for key, value in values.items():
        setattr(activity, key, value)
    return activity, actions


async def history(
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


# --- cursors -------------------------------------------------------------------------------


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
