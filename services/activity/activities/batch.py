"""Logging up to 500 activities at once (a phone reconnecting), with set-based SQL."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import (
    TypeAdapter,
    ValidationError,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.activity import errors
from services.activity.activities import inserts, repository
from services.activity.activities.idempotency import body_hash_of, same_body
from services.activity.activities.schemas import ActivityCreate, BatchItemResult, BatchResult
from services.activity.activities.service import visible_areas
from services.activity.activities.values import RECEIVED, action_rows, activity_values, derived_of
from services.activity.areas import repository as areas_repository
from services.activity.areas.service import loggable_district
from services.activity.plans.repository import existing_plans
from services.activity.versioned import version_etag
from shared.auth import Principal
from shared.db import utcnow
from shared.problems import ProblemError, invalid, problem_body

# Many bodies written as one JSON array in one pydantic-core call.
_BODIES: TypeAdapter[list[ActivityCreate]] = TypeAdapter(list[ActivityCreate])


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
        await areas_repository.kinds_and_districts(session, [p.area for _, p, _ in parsed]),
        principal,
    )
    plans = await existing_plans(
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
            district = loggable_district(
                areas.get(payload.area), payload.area, f"body.items.{index}.area"
            )
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
        inserted = await inserts.insert_activities_from_json(
            session,
            _BODIES.dump_json(bodies),
            rows,
            logged_by=principal.key_id,
            review_state=RECEIVED,
            now=now,
        )
    else:
        inserted = await inserts.insert_activities(session, rows)
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
