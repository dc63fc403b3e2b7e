"""Snapshots: a scorecard frozen as reported to a board, and what has changed since."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi import errors
from services.kpi.scorecard.service import build_scorecard
from services.kpi.snapshots import repository
from services.kpi.snapshots.models import Snapshot
from services.kpi.snapshots.schemas import KpiDifference, SnapshotIn, SnapshotRead, SnapshotSummary
from services.kpi.sources.clients import SourceClients
from shared.contracts.kpi import KpiResult, Scorecard
from shared.pagination import CursorPage, decode_cursor, encode_cursor
from shared.problems import invalid


def to_read(row: Snapshot) -> SnapshotRead:
    return SnapshotRead(
        id=row.id,
        board=row.board,
        reported_on=row.reported_on,
        period=row.period,
        area=row.area,
        created_by=row.created_by,
        created_at=row.created_at,
        scorecard=Scorecard.model_validate(row.scorecard),
    )


async def freeze(
    session: AsyncSession, sources: SourceClients, payload: SnapshotIn, principal: str
) -> tuple[Snapshot, bool]:
    """The new snapshot and True; or, when this board already has the scorecard of that period
    and area reported on that day, the stored snapshot and False: a replay keeps what was
    reported, whatever changed since."""
    scorecard = await build_scorecard(
        session, sources, period=payload.period, area=payload.area, where="body"
    )
    reported = await repository.reported(
        session, payload.board, payload.reported_on, scorecard.period, scorecard.area
    )
    if reported is not None:
        return reported, False
    row = Snapshot(
        id=uuid.uuid4(),
        board=payload.board,
        reported_on=payload.reported_on,
        period=scorecard.period,
        area=scorecard.area,
        scorecard=scorecard.model_dump(mode="json"),
        created_by=principal,
    )
    await repository.add(session, row)
    return row, True


async def require(session: AsyncSession, snapshot_id: uuid.UUID) -> Snapshot:
    row = await repository.get(session, snapshot_id)
    if row is None:
        raise errors.not_found("snapshot", snapshot_id)
    return row


def _difference(reported: KpiResult | None, current: KpiResult | None) -> KpiDifference:
    some = reported or current
    assert some is not None
    before = reported.value if reported else None
    now = current.value if current else None
    difference = round(now - before, 4) if before is not None and now is not None else None
    reported_state = (before, reported.rag, reported.status) if reported else None
    current_state = (now, current.rag, current.status) if current else None
    return KpiDifference(
        code=some.code,
        name=some.name,
        reported_value=before,
        current_value=now,
        difference=difference,
        reported_rag=reported.rag if reported else None,
        current_rag=current.rag if current else None,
        reported_status=reported.status if reported else None,
        current_status=current.status if current else None,
        changed=reported_state != current_state,
    )


async def compare(session: AsyncSession, sources: SourceClients, row: Snapshot) -> SnapshotRead:
    """The snapshot as reported, with each KPI against today's figures (late data, fixes)."""
    read = to_read(row)
    today = await build_scorecard(session, sources, period=row.period, area=row.area)
    reported = {k.code: k for k in read.scorecard.kpis()}
    current = {k.code: k for k in today.kpis()}
    codes = list(reported) + [c for c in current if c not in reported]
    read.differences = [_difference(reported.get(c), current.get(c)) for c in codes]
    read.compared_at = datetime.now(UTC)
    return read


async def list_snapshots(
    session: AsyncSession, cursor: str | None, limit: int
) -> CursorPage[SnapshotSummary]:
    after = None
    if cursor:
        day, key = decode_cursor(cursor, size=2)
        try:
            after = (date.fromisoformat(str(day)), uuid.UUID(str(key)))
        except ValueError as exc:
            raise invalid("query.cursor", "not a cursor this service issued") from exc
    rows = await repository.page(session, after, limit + 1)
    next_cursor = (
        encode_cursor([rows[limit - 1].reported_on.isoformat(), str(rows[limit - 1].id)])
        if len(rows) > limit
        else None
    )
    return CursorPage(
        items=[
            SnapshotSummary(
                id=r.id,
                board=r.board,
                reported_on=r.reported_on,
                period=r.period,
                area=r.area,
                created_at=r.created_at,
            )
            for r in rows[:limit]
        ],
        limit=limit,
        next_cursor=next_cursor,
    )
