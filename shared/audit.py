"""The audit trail: every write and every export leaves an append-only record (who, what,
which records or filters, when, request id, outcome).

Each service keeps its own `<service>_audit` table. A write's record goes into the write's own
transaction, just before the one commit of the request, so an accepted write never stands
without its record, and a record that cannot be written fails the write (the caller gets an
error: nothing is lost silently). A write that fails is rolled back and then recorded as
failed in a transaction of its own. The gateway reads the records through each service's
`GET /api/v1/audit` (scope `admin`) and merges them by time.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import JSON, Column, Index, Integer, MetaData, String, Table, Text, Uuid, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.db import Database, UTCDateTime, utcnow
from shared.problems import ProblemError
from shared.requestid import current_request_id

logger = logging.getLogger("hub.audit")

SUCCEEDED = "succeeded"
FAILED = "failed"


def audit_table(metadata: MetaData, service: str) -> Table:
    """The `<service>_audit` table on a service's own metadata (own migration)."""
    name = f"{service}_audit"
    return Table(
        name,
        metadata,
        Column("id", Uuid(), primary_key=True),
        Column("at", UTCDateTime(), nullable=False),
        Column("actor", String(200), nullable=False),
        Column("action", String(300), nullable=False),
        Column("method", String(10), nullable=False),
        Column("path", String(1000), nullable=False),
        Column("targets", JSON, nullable=True),
        Column("filters", JSON, nullable=True),
        Column("request_id", String(200), nullable=True),
        Column("outcome", String(20), nullable=False),
        Column("status", Integer, nullable=True),
        Column("detail", Text, nullable=True),
        Index(f"ix_{name}_at_id", "at", "id"),
        Index(f"ix_{name}_actor_at", "actor", "at"),
    )


class AuditTrail:
    """Writes one service's audit records (kept on `app.state.audit`)."""

    def __init__(self, service: str, table: Table) -> None:
        self.service = service
        self.table = table

    def entry(
        self,
        request: Request,
        *,
        outcome: str,
        status: int | None = None,
        detail: str | None = None,
    ) -> dict[str, Any]:
        principal = getattr(request.state, "principal", None)
        actor = principal.key_id if isinstance(principal, Principal) else "anonymous"
        template = route_template(request)
        noted: dict[str, Any] = getattr(request.state, "audit", None) or {}
        targets = noted.get("targets")
        if targets is None:
            targets = [str(v) for v in request.path_params.values()] or None
        filters = noted.get("filters")
        if filters is None and request.query_params:
            filters = dict(request.query_params)
        return {
            "id": uuid.uuid4(),
            "at": utcnow(),
            "actor": actor[:200],
            "action": f"{request.method} {template}"[:300],
            "method": request.method,
            "path": request.url.path[:1000],
            "targets": targets,
            "filters": filters,
            "request_id": current_request_id(),
            "outcome": outcome,
            "status": status,
            "detail": detail,
        }

    async def record(self, session: AsyncSession, entry: Mapping[str, Any]) -> None:
        await session.execute(self.table.insert(), [dict(entry)])

    async def record_alone(self, db: Database, entry: Mapping[str, Any]) -> None:
        """In a transaction of its own (a failed write's record, an export's record)."""
        async with db.transaction("POST") as session:
            await self.record(session, entry)

    async def record_failure(self, db: Database, request: Request, exc: BaseException) -> None:
        status = exc.status if isinstance(exc, ProblemError) else getattr(exc, "status_code", 500)
        detail = exc.detail if isinstance(exc, ProblemError) else type(exc).__name__
        try:
            await self.record_alone(
                db, self.entry(request, outcome=FAILED, status=status, detail=detail)
            )
        except Exception:
            # The write already failed and the caller is told so; a lost failure record is
            # logged loudly rather than turning the caller's answer into another error.
            logger.exception("could not record a failed %s %s", request.method, request.url.path)


def route_template(request: Request) -> str:
    """The path with its parameters named, e.g. `/api/v1/activities/{activity_id}`: what an
    admin filters by (`action`), whichever record it was."""
    path = request.url.path
    for name, value in request.path_params.items():
        path = path.replace(f"/{value}", f"/{{{name}}}", 1)
    return path


def note(request: Request, *, targets: Sequence[Any] | None = None, filters: Any = None) -> None:
    """What a handler wants its audit record to name (ids it made, filters it applied)."""
    noted: dict[str, Any] = getattr(request.state, "audit", None) or {}
    if targets is not None:
        noted["targets"] = [str(t) for t in targets]
    if filters is not None:
        noted["filters"] = filters
    request.state.audit = noted


def trail_of(request: Request) -> AuditTrail | None:
    trail: AuditTrail | None = getattr(request.app.state, "audit", None)
    return trail


@asynccontextmanager
async def audited_transaction(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's one transaction; for a write, with its audit record written inside it."""
    db: Database = request.app.state.db
    trail = trail_of(request)
    if trail is None or request.method in ("GET", "HEAD", "OPTIONS"):
        async with db.transaction(request.method) as session:
            yield session
        return
    try:
        async with db.transaction(request.method) as session:
            yield session
            await trail.record(session, trail.entry(request, outcome=SUCCEEDED))
    except BaseException as exc:
        await trail.record_failure(db, request, exc)
        raise


async def record_export(request: Request, filters: Mapping[str, Any]) -> None:
    """An export's record, committed before the first byte goes out."""
    trail = trail_of(request)
    if trail is None:
        return
    note(request, filters=dict(filters))
    await trail.record_alone(request.app.state.db, trail.entry(request, outcome=SUCCEEDED))


# --- reading -------------------------------------------------------------------------------


def cursor_condition(table: Table, service: str, cursor: tuple[datetime, str, str]) -> Any:
    """Records after `cursor` in the merged order (newest first; ties by service, then id,
    both descending), seen from `service`: the gateway's composite cursor."""
    at, other_service, last_id = cursor
    c = table.c
    if service < other_service:
        return c.at <= at
    if service > other_service:
        return c.at < at
    return or_(c.at < at, and_(c.at == at, c.id < uuid.UUID(last_id)))
