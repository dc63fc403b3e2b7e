"""HTTP endpoints of measurements: thin, the rules live in `service.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile

from services.kpi.calculation.periods import PERIOD_PATTERN, period_arg
from services.kpi.measurements import imports, repository, service
from services.kpi.measurements.models import SocialAccount
from services.kpi.measurements.schemas import (
    MAX_ITEMS,
    ImportFormat,
    ImportResult,
    MeasurementRead,
    MeasurementsRecorded,
    SocialAccountIn,
    SocialAccountRead,
    read_items,
    request_body,
)
from services.kpi.sources.areas import require_area
from services.kpi.sources.dependencies import SourcesDep
from shared.auth import Principal, require_scope
from shared.contracts.kpi import StationProfile
from shared.db import SessionDep, utcnow
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, CursorPage, decode_cursor, encode_cursor
from shared.problems import problem_responses

router = APIRouter(tags=["measurements"])

Reader = Annotated[Principal, Depends(require_scope("kpi:read"))]
Writer = Annotated[Principal, Depends(require_scope("kpi:write"))]
Area = Annotated[str | None, Query(max_length=40, description="Omit for force-wide.")]

_ONE = {
    "kpi": "two_minute_survey_response_rate",
    "period": "2022-09",
    "numerator": 412,
    "denominator": 2950,
    "source_ref": "two-minute-survey:2022-09",
}
_MANY = [
    {"kpi": "beat_page_views", "period": "2022-08", "value": 18250, "source_ref": "web:2022-08"},
    {"kpi": "beat_page_views", "period": "2022-09", "value": 19110, "source_ref": "web:2022-09"},
]


@router.post(
    "/kpis/measurements",
    response_model=MeasurementsRecorded,
    summary="Record one measurement or many (idempotent)",
    description="The identity of a measurement is KPI + period + area + `source_ref`: sent "
    "again with the same figures it is `unchanged`, with other figures it is `updated` (a "
    "correction). Any bad item (unknown KPI, a KPI computed from another service, wrong "
    "unit, negative figures, a percentage over 100, an unknown area, a period that is not a "
    f"month, quarter or year) refuses the whole request with a 422 naming each field; at most "
    f"{MAX_ITEMS} items.",
    responses=problem_responses(503),
    openapi_extra=request_body({"one": _ONE, "many": _MANY}),
)
async def record_measurements(
    request: Request, session: SessionDep, sources: SourcesDep, _: Writer
) -> MeasurementsRecorded:
    items, where_of = read_items(await request.body())
    return await service.record(session, sources, items, where_of)


@router.get(
    "/kpis/measurements",
    response_model=CursorPage[MeasurementRead],
    summary="List measurements",
)
async def list_measurements(
    session: SessionDep,
    _: Reader,
    kpi: Annotated[str | None, Query(max_length=60)] = None,
    from_: Annotated[str | None, Query(alias="from", pattern=PERIOD_PATTERN)] = None,
    to: Annotated[str | None, Query(pattern=PERIOD_PATTERN)] = None,
    area: Area = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> CursorPage[MeasurementRead]:
    first = period_arg(from_, "query.from").first_month if from_ else None
    last = period_arg(to, "query.to").last_month if to else None
    after: tuple[str, str, str, str] | None = None
    if cursor:
        code, period, at, ref = (str(v) for v in decode_cursor(cursor, size=4))
        after = (code, period, at, ref)
    rows = await repository.list_measurements(
        session,
        code=kpi,
        first_month=first,
        last_month=last,
        area=area,
        after=after,
        limit=limit + 1,
    )
    last_row = rows[limit - 1] if len(rows) > limit else None
    next_cursor = (
        encode_cursor([last_row.kpi_code, last_row.period, last_row.area, last_row.source_ref])
        if last_row
        else None
    )
    return CursorPage(
        items=[service.to_read(r) for r in rows[:limit]], limit=limit, next_cursor=next_cursor
    )


@router.post(
    "/kpis/measurements/imports",
    response_model=ImportResult,
    summary="Import measurements from a CSV file (all rows or none)",
    description="`format=measurements`: columns `kpi, period, area, source_ref, value, "
    "numerator, denominator, unit, hour`. `format=social_posts`: a Hootsuite-style post "
    "export (`Date, Account, Network, Post ID, Impressions, Reactions` or `Likes`, `Comments, "
    "Shares, Clicks`, optional `Area`): one measurement of `social_media_interactions` per "
    "post (its interactions), in the month of the post's local date and the area its account "
    "is mapped to (`PUT /kpis/social-accounts/{account}`; unmapped accounts count force-wide, "
    "with a warning). `format=station_hours`: `date, area, hour, officers_in, officers_out`: "
    "one measurement of `time_out_of_station` per day, area and hour. UTF-8 (BOM allowed), "
    "header row first. A bad row refuses the file: the 422 names each row and column "
    "(`file.row.<n>.<column>`, the header is row 1); a resent file changes nothing.",
    responses=problem_responses(503),
)
async def import_measurements(
    session: SessionDep,
    sources: SourcesDep,
    _: Writer,
    file: Annotated[UploadFile, File(description="The CSV file.")],
    format: ImportFormat = ImportFormat.measurements,
) -> ImportResult:
    content = await file.read()
    accounts = await repository.social_accounts(session)
    parsed = imports.parse(format, content, accounts)
    if parsed.problems:
        raise service.refuse(parsed.problems)
    recorded = await service.record(session, sources, parsed.items, parsed.where)
    return ImportResult(
        format=format,
        rows=len(parsed.rows),
        measurements=len(recorded.items),
        created=recorded.created,
        updated=recorded.updated,
        unchanged=recorded.unchanged,
        warnings=parsed.warnings,
    )


def _account_read(row: SocialAccount) -> SocialAccountRead:
    return SocialAccountRead(
        account=row.account,
        area=row.area or None,
        district=row.district,
        network=row.network,
        updated_at=row.updated_at,
    )


@router.get(
    "/kpis/social-accounts",
    response_model=list[SocialAccountRead],
    summary="Social-media accounts and the areas their posts count for",
)
async def list_social_accounts(session: SessionDep, _: Reader) -> list[SocialAccountRead]:
    accounts = await repository.social_accounts(session)
    return [_account_read(a) for _, a in sorted(accounts.items())]


@router.put(
    "/kpis/social-accounts/{account}",
    response_model=SocialAccountRead,
    summary="Map a social-media account to an area (NPT accounts) or force-wide",
    responses=problem_responses(503),
)
async def put_social_account(
    account: Annotated[str, Path(min_length=1, max_length=200)],
    payload: SocialAccountIn,
    session: SessionDep,
    sources: SourcesDep,
    _: Writer,
) -> SocialAccountRead:
    area = await require_area(sources, payload.area, "body.area") if payload.area else None
    row = await repository.get_social_account(session, account)
    if row is None:
        row = SocialAccount(account=account)
    row.area = area.code if area else ""
    row.district = service.district_of(area) if area else None
    row.network = payload.network
    row.updated_at = utcnow()
    await repository.add(session, row)
    return _account_read(row)


@router.get(
    "/kpis/{code}/profile",
    response_model=StationProfile,
    summary="% time out of station by hour of day, and officers in station, for a period",
    responses=problem_responses(404),
)
async def station_profile(
    code: Annotated[str, Path(max_length=60)],
    session: SessionDep,
    _: Reader,
    period: Annotated[
        str,
        Query(max_length=7, pattern=PERIOD_PATTERN, description="`2022-09`, `2022-Q3` or `2022`."),
    ],
    area: Area = None,
) -> StationProfile:
    return await service.station_profile(session, code, period=period, area=area)
