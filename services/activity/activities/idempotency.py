"""Resends of a create told apart from new requests: the body hash, and the Idempotency-Key
records (claimed in the same transaction as the create they protect)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.activity import errors
from services.activity.activities import repository
from services.activity.activities.models import IdempotencyRecord
from services.activity.activities.schemas import ActivityCreate
from services.activity.activities.values import request_hash
from shared.db import utcnow


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


async def claim(
    session: AsyncSession,
    principal_id: str,
    key: str,
    payload: ActivityCreate,
    *,
    body_hash: str,
    path: str,
    ttl_hours: int,
    lock_timeout_ms: int,
) -> CreateResult | None:
    """Claim `key` for this create; the stored answer when the key was used before (None:
    claimed, go on and create). On PostgreSQL a concurrent holder of the same key makes this
    wait, bounded by the lock timeout (then 409)."""
    await repository.set_lock_timeout(session, lock_timeout_ms)
    now = utcnow()
    try:
        claimed = await repository.claim_idempotency_key(
            session,
            {
                "principal_id": principal_id,
                "key": key,
                "method": "POST",
                "path": path,
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
    if claimed:
        return None
    record = await repository.get_idempotency_record(session, principal_id, key)
    return replay_of(record, body_hash, payload)


def replay_of(
    record: IdempotencyRecord | None, body_hash: str, payload: ActivityCreate
) -> CreateResult:
    """The idempotency check of a key already taken: its stored answer when the first request
    finished with the same body; 409 while it is still running; 422 for another body."""
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


async def complete(
    session: AsyncSession, principal_id: str, key: str, outcome: CreateResult
) -> None:
    """Store the answer under the key, in the create's transaction."""
    await repository.complete_idempotency_key(
        session,
        principal_id,
        key,
        status_code=outcome.status_code,
        body=outcome.body,
        headers=outcome.headers,
    )
