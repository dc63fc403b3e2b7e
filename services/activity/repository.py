"""Queries of the activity service. Flushes, never commits: the request boundary commits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from services.activity.models import Activity, IdempotencyRecord
from shared.db import insert_ignoring_conflicts

ACTIVITY = Activity.__table__  # type: ignore[attr-defined]
IDEMPOTENCY = IdempotencyRecord.__table__  # type: ignore[attr-defined]


class LockTimeout(Exception):
    """Another transaction holds the row we need (PostgreSQL lock_timeout)."""


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def set_lock_timeout(session: AsyncSession, milliseconds: int) -> None:
    if _dialect(session) == "postgresql":
        await session.execute(text(f"SET LOCAL lock_timeout = {int(milliseconds)}"))


async def claim_idempotency_key(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the key record; False when the key already exists.

    On PostgreSQL a concurrent holder of the same key makes this wait (bounded by the
    lock timeout) until it commits or rolls back.
    """
    stmt = insert_ignoring_conflicts(IDEMPOTENCY, _dialect(session), ["principal_id", "key"])
    try:
        result = await session.execute(stmt.values(**values))
    except DBAPIError as exc:
        if "lock timeout" in str(exc.orig).lower() or "LockNotAvailable" in type(exc.orig).__name__:
            raise LockTimeout from exc
        raise
    return bool(result.rowcount)


async def get_idempotency_record(
    session: AsyncSession, principal_id: str, key: str
) -> IdempotencyRecord | None:
    row = await session.execute(
        select(IdempotencyRecord).where(
            IdempotencyRecord.principal_id == principal_id,  # type: ignore[arg-type]
            IdempotencyRecord.key == key,  # type: ignore[arg-type]
        )
    )
    return row.scalar_one_or_none()


async def complete_idempotency_key(
    session: AsyncSession,
    principal_id: str,
    key: str,
    *,
    status_code: int,
    body: str,
    headers: dict[str, str],
) -> None:
    await session.execute(
        update(IDEMPOTENCY)
        .where(IDEMPOTENCY.c.principal_id == principal_id, IDEMPOTENCY.c.key == key)
        .values(status_code=status_code, response_body=body, response_headers=headers)
    )


async def purge_expired_idempotency_keys(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(IDEMPOTENCY).where(IDEMPOTENCY.c.expires_at < now))
    return int(result.rowcount or 0)


async def insert_activity(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert unless the id exists; False when it did (a resend or a clash)."""
    stmt = insert_ignoring_conflicts(ACTIVITY, _dialect(session), ["id"])
    result = await session.execute(stmt.values(**values))
    return bool(result.rowcount)


async def get_activity(
    session: AsyncSession, activity_id: uuid.UUID, *, include_deleted: bool = False
) -> Activity | None:
    stmt = select(Activity).where(Activity.id == activity_id)  # type: ignore[arg-type]
    if not include_deleted:
        stmt = stmt.where(Activity.deleted_at.is_(None))  # type: ignore[union-attr]
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_activities(
    session: AsyncSession,
    *,
    conditions: list[Any],
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Activity]:
    """Newest first; keyset on (starts_at, id) so pages stay stable under inserts."""
    stmt = select(Activity).where(Activity.deleted_at.is_(None), *conditions)  # type: ignore[union-attr]
    if after is not None:
        starts_at, last_id = after
        stmt = stmt.where(
            or_(
                Activity.starts_at < starts_at,  # type: ignore[arg-type]
                and_(Activity.starts_at == starts_at, Activity.id < last_id),  # type: ignore[arg-type]
            )
        )
    stmt = stmt.order_by(Activity.starts_at.desc(), Activity.id.desc()).limit(limit)  # type: ignore[attr-defined]
    return list((await session.execute(stmt)).scalars())
