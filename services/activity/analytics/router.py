"""HTTP endpoints of finding and counting: thin, the rules are in `service.py`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from services.activity.activities.models import (
    Activity,
)
from services.activity.activities.schemas import ActivityRead
from services.activity.analytics import export, service
from services.activity.analytics.filters import Filters, FiltersDep, parse_group_by
from services.activity.analytics.schemas import Overlap, OverlapActivity
from services.activity.deps import Cursor, Limit, Reader
from shared import audit
from shared.bounds import PlausibleDate
from shared.contracts.activity import (
    AggregatePeriod,
    AggregateResponse,
    UnreconciledSummary,
)
from shared.contracts.taxonomy import (
    Directorate,
)
from shared.db import SessionDep
from shared.pagination import DEFAULT_LIMIT, CursorPage

# Tagged as the log's own operations; included between the log's list and its items.
router = APIRouter(tags=["activities"])


@router.get(
    "/activities/export.csv",
    summary="Export the log as CSV (same filters; streamed)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM."}},
)
async def export_csv(request: Request, _: Reader, filters: FiltersDep) -> StreamingResponse:
    await audit.record_export(request, filters.applied())
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        export.export_csv(request.app.state.db, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="activities-{stamp}.csv"'},
    )


@router.get(
    "/activities/aggregate",
    response_model=AggregateResponse,
    summary="Counts, attendees, young people and volunteer hours, grouped",
    description="Counting rules are in the contract (`shared/contracts/activity.py`): only "
    "completed activities count unless `status` says otherwise; periods are local "
    "(Europe/London) months, calendar quarters or years.",
)
async def aggregate(
    session: SessionDep,
    _: Reader,
    filters: FiltersDep,
    group_by: Annotated[
        list[str] | None,
        Query(
            max_length=7,
            description="Repeat or comma-separate: period, district, area, directorate, "
            "activity_type, classification, purpose, channel, topic (default: period).",
        ),
    ] = None,
    period: AggregatePeriod = AggregatePeriod.month,
) -> Response:
    dimensions = parse_group_by(group_by)
    # The service writes the JSON (the model's own shape): see `service.aggregate`.
    body = await service.aggregate(session, dimensions, period, filters)
    return Response(content=body, media_type="application/json")


@router.get(
    "/activities/overlaps",
    response_model=list[Overlap],
    summary="Planned activities of different directorates, same area or venue, same week",
)
async def overlaps(
    session: SessionDep,
    principal: Reader,
    district: Annotated[str | None, Query(max_length=40)] = None,
    area: Annotated[str | None, Query(max_length=40)] = None,
    from_: Annotated[PlausibleDate | None, Query(alias="from")] = None,
    to: PlausibleDate | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[Overlap]:
    filters = service.overlap_filters(district, area, from_, to)
    pairs = await service.overlaps(session, filters, limit, principal.districts)
    return [
        Overlap(
            week_start=a.week_start,
            reason=reason,
            area=a.area_code if reason == "same_area" else None,
            venue=a.venue if reason == "same_venue" else None,
            first=_overlap_side(a),
            second=_overlap_side(b),
        )
        for a, b, reason in pairs
    ]


def _overlap_side(a: Activity) -> OverlapActivity:
    return OverlapActivity(
        id=a.id,
        title=a.title,
        directorate=a.directorate,
        activity_type=a.activity_type,
        starts_at=a.starts_at,
        area=a.area_code,
        venue=a.venue,
    )


@router.get(
    "/activities/unreconciled/summary",
    response_model=UnreconciledSummary,
    summary="How many planned activities are past their date and unreconciled",
    description="The count of `GET /activities/unreconciled` under the same filters, exact at "
    "any volume (the list is paged). A caller limited to districts counts only theirs.",
)
async def unreconciled_summary(
    session: SessionDep,
    principal: Reader,
    district: Annotated[str | None, Query(max_length=40)] = None,
    area: Annotated[str | None, Query(max_length=40)] = None,
    directorate: Directorate | None = None,
) -> UnreconciledSummary:
    filters = Filters(
        district=district, area=area, directorate=directorate, districts=principal.districts
    )
    return await service.unreconciled_summary(session, filters)


@router.get(
    "/activities/unreconciled",
    response_model=CursorPage[ActivityRead],
    summary="Planned activities past their date, still neither completed nor cancelled",
)
async def unreconciled(
    session: SessionDep,
    principal: Reader,
    district: Annotated[str | None, Query(max_length=40)] = None,
    area: Annotated[str | None, Query(max_length=40)] = None,
    directorate: Directorate | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> CursorPage[ActivityRead]:
    filters = Filters(
        district=district, area=area, directorate=directorate, districts=principal.districts
    )
    return await service.unreconciled_page(session, filters, cursor, limit)
