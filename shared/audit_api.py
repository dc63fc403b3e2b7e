"""`GET /api/v1/audit` on every service: its audit records, for admin identities only.

Newest first, ties by id; the cursor is the gateway's composite one (time, service, id), so
the gateway can merge every service's pages into one (`gateway/audit.py`). Not routed by the
gateway to the public: it answers `GET /api/v1/admin/audit` itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.audit import cursor_condition
from shared.auth import Principal, require_scope
from shared.bounds import PlausibleInstant
from shared.db import SessionDep
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from shared.problems import invalid


class AuditRecord(BaseModel):
    id: str
    service: str
    at: datetime
    actor: str
    action: str
    method: str
    path: str
    targets: list[str] | None = None
    filters: dict[str, Any] | None = None
    request_id: str | None = None
    outcome: Literal["succeeded", "failed"]
    status: int | None = None
    detail: str | None = None


class AuditPage(BaseModel):
    items: list[AuditRecord]
    limit: int
    next_cursor: str | None = None


class AuditQuery(BaseModel):
    actor: str | None = None
    action: str | None = None
    outcome: Literal["succeeded", "failed"] | None = None
    from_: datetime | None = None
    to: datetime | None = None
    cursor: tuple[datetime, str, str] | None = None
    limit: int = DEFAULT_LIMIT


def audit_cursor(record: AuditRecord) -> str:
    return encode_cursor([record.at.isoformat(), record.service, record.id])


def parse_audit_cursor(cursor: str | None) -> tuple[datetime, str, str] | None:
    if cursor is None:
        return None
    at, service, last_id = decode_cursor(cursor, size=3)
    try:
        moment = datetime.fromisoformat(str(at))
    except ValueError as exc:
        raise invalid("query.cursor", "not a cursor this service issued") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment, str(service), str(last_id)


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise invalid(field, "give a time zone (e.g. `Z` or `+01:00`)")
    return value


def audit_query(
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[
        str | None,
        Query(max_length=300, description="e.g. `POST /api/v1/activities` (a route template)."),
    ] = None,
    outcome: Literal["succeeded", "failed"] | None = None,
    # RFC 3339 only (pydantic alone reads `0.5` as a Unix time), between 1900 and 2100.
    from_: Annotated[PlausibleInstant | None, Query(alias="from")] = None,
    to: Annotated[PlausibleInstant | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> AuditQuery:
    return AuditQuery(
        actor=actor,
        action=action,
        outcome=outcome,
        from_=_aware(from_, "query.from"),
        to=_aware(to, "query.to"),
        cursor=parse_audit_cursor(cursor),
        limit=limit,
    )


AuditQueryDep = Annotated[AuditQuery, Depends(audit_query)]


async def read_audit(
    session: AsyncSession, table: Table, service: str, query: AuditQuery
) -> AuditPage:
    c = table.c
    stmt = select(table)
    if query.actor is not None:
        stmt = stmt.where(c.actor == query.actor)
    if query.action is not None:
        stmt = stmt.where(c.action == query.action)
    if query.outcome is not None:
        stmt = stmt.where(c.outcome == query.outcome)
    if query.from_ is not None:
        stmt = stmt.where(c.at >= query.from_)
    if query.to is not None:
        stmt = stmt.where(c.at < query.to)
    if query.cursor is not None:
        stmt = stmt.where(cursor_condition(table, service, query.cursor))
    stmt = stmt.order_by(c.at.desc(), c.id.desc()).limit(query.limit + 1)
    rows = (await session.execute(stmt)).mappings().all()
    items = [
        AuditRecord.model_validate({**row, "id": str(row["id"]), "service": service})
        for row in rows[: query.limit]
    ]
    next_cursor = audit_cursor(items[-1]) if len(rows) > query.limit else None
    return AuditPage(items=items, limit=query.limit, next_cursor=next_cursor)


AdminDep = Annotated[Principal, Depends(require_scope("admin"))]


def audit_router(table: Table, service: str) -> APIRouter:
    router = APIRouter(tags=["audit"])

    @router.get(
        "/audit",
        response_model=AuditPage,
        summary="This service's audit records (admins; the gateway merges them)",
        include_in_schema=False,
    )
    async def list_audit(session: SessionDep, _: AdminDep, query: AuditQueryDep) -> AuditPage:
        return await read_audit(session, table, service, query)

    return router
