"""HTTP endpoints of snapshots: thin, the rules live in `service.py`."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from services.kpi.snapshots import service
from services.kpi.snapshots.schemas import SnapshotIn, SnapshotRead, SnapshotSummary
from services.kpi.sources.dependencies import SourcesDep
from shared.auth import Principal, require_scope
from shared.db import SessionDep
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, CursorPage
from shared.problems import problem_responses

router = APIRouter(tags=["snapshots"])

Reader = Annotated[Principal, Depends(require_scope("kpi:read"))]
Writer = Annotated[Principal, Depends(require_scope("kpi:write"))]


@router.post(
    "/kpis/snapshots",
    status_code=201,
    response_model=SnapshotRead,
    summary="Freeze a scorecard as reported to a board",
    description="Computes the scorecard for `period` and `area` now and keeps it exactly as it "
    "is: `GET` of the snapshot returns what was reported, whatever changes later. Sending it "
    "again (the same board, day, period and area) is a replay: 200 with the stored snapshot.",
    responses={
        200: {"model": SnapshotRead, "description": "A replay: already reported, as it was."},
        **problem_responses(),
    },
)
async def create_snapshot(
    payload: SnapshotIn,
    session: SessionDep,
    sources: SourcesDep,
    principal: Writer,
    response: Response,
) -> SnapshotRead:
    row, created = await service.freeze(session, sources, payload, principal.key_id)
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"/api/v1/kpis/snapshots/{row.id}"
    return service.to_read(row)


@router.get(
    "/kpis/snapshots",
    response_model=CursorPage[SnapshotSummary],
    summary="Snapshots, most recently reported first",
)
async def list_snapshots(
    session: SessionDep,
    _: Reader,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> CursorPage[SnapshotSummary]:
    return await service.list_snapshots(session, cursor, limit)


@router.get(
    "/kpis/snapshots/{snapshot_id}",
    response_model=SnapshotRead,
    summary="A snapshot exactly as reported; `compare=current` adds today's figures",
    responses=problem_responses(404),
)
async def get_snapshot(
    snapshot_id: uuid.UUID,
    session: SessionDep,
    sources: SourcesDep,
    _: Reader,
    compare: Annotated[
        Literal["current"] | None,
        Query(description="`current`: each KPI's reported figures against today's."),
    ] = None,
) -> SnapshotRead:
    row = await service.require(session, snapshot_id)
    if compare == "current":
        return await service.compare(session, sources, row)
    return service.to_read(row)
