"""`GET /api/v1/kpis/{code}/series`: thin, the rules live in `service.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from services.kpi.calculation.periods import PERIOD_PATTERN
from services.kpi.series import service
from services.kpi.sources.dependencies import SourcesDep
from shared.auth import Principal, require_scope
from shared.contracts.kpi import SPC_RULES, Grain, KpiSeries
from shared.db import SessionDep
from shared.problems import problem_responses

router = APIRouter(tags=["kpis"])

Reader = Annotated[Principal, Depends(require_scope("kpi:read"))]
PeriodQuery = Annotated[
    str | None,
    Query(max_length=7, pattern=PERIOD_PATTERN, description="`2022-09`, `2022-Q3`, `2022`."),
]


@router.get(
    "/kpis/{code}/series",
    response_model=KpiSeries,
    summary="A KPI's XmR chart (Making Data Count) for an area",
    description="Points by month or quarter from `from` to `to` (default: the last 24 months "
    "or 12 quarters to the latest complete one; at most 120 points). Survey KPIs are charted "
    "by quarter. A source that is down gives `status: unavailable` with the reason, never an "
    "error. " + SPC_RULES,
    responses=problem_responses(404),
)
async def get_series(
    code: Annotated[str, Path(max_length=60)],
    session: SessionDep,
    sources: SourcesDep,
    _: Reader,
    area: Annotated[str | None, Query(max_length=40, description="Omit for force-wide.")] = None,
    from_: Annotated[
        str | None, Query(alias="from", max_length=7, description="First period.")
    ] = None,
    to: PeriodQuery = None,
    grain: Grain = Grain.month,
) -> KpiSeries:
    return await service.build_series(
        session, sources, code, area=area, first=from_, last=to, grain=grain
    )
