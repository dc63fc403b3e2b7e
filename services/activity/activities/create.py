"""Logging one activity: the one-statement hot path, the Idempotency-Key path, replays."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.activity import errors
from services.activity.activities import idempotency, inserts, repository
from services.activity.activities.idempotency import CreateResult, body_hash_of, same_body
from services.activity.activities.schemas import ActivityCreate
from services.activity.activities.service import resolve_refs
from services.activity.activities.values import action_rows, activity_values, to_read
from services.activity.plans.repository import existing_plans
from services.activity.versioned import version_etag
from shared.auth import Principal
from shared.db import Database
from shared.problems import invalid


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
        replay = await idempotency.claim(
            session,
            principal.key_id,
            idempotency_key,
            payload,
            body_hash=body_hash,
            path=location_prefix,
            ttl_hours=ttl_hours,
            lock_timeout_ms=lock_timeout_ms,
        )
        if replay is not None:
            return replay
    if principal.districts is not None:
        await resolve_refs(session, payload, principal=principal)  # its districts only
    outcome = await _insert_or_replay(session, payload, principal, body_hash, location_prefix)
    if idempotency_key is not None:
        await idempotency.complete(session, principal.key_id, idempotency_key, outcome)
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
        district = await inserts.insert_activity_in_area_alone(db, values)
    else:
        record = audit_record(activity_id)
        district = await inserts.insert_activity_in_area_recorded(db, values, record)
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
    if payload.plan_id is not None and payload.plan_id not in await existing_plans(
        session, [payload.plan_id]
    ):
        raise invalid("body.plan_id", "no plan with this id", "unknown_plan")
    values = activity_values(
        payload, activity_id=activity_id, principal=principal, body_hash=body_hash, district=""
    )
    # The hot path is one statement: area check, derived district and insert together.
    district = await inserts.insert_activity_in_area(session, values)
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
