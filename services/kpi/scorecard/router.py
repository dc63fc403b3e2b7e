"""`GET /api/v1/kpis/scorecard`: thin, the rules live in `service.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.kpi.calculation.periods import PERIOD_PATTERN
from services.kpi.scorecard import service
from services.kpi.sources.dependencies import SourcesDep
from shared.auth import Principal, require_scope
from shared.contracts.kpi import RAG_RULE, SPC_RULES, Scorecard
from shared.db import SessionDep
from shared.problems import problem_responses

router = APIRouter(tags=["kpis"])

Reader = Annotated[Principal, Depends(require_scope("kpi:read"))]


@router.get(
    "/kpis/scorecard",
    response_model=Scorecard,
    summary="Every KPI for an area and period, with targets, RAG and SPC signals",
    description="Grouped pillar -> objective -> output as the directorate's table. Without "
    "`period`, the latest complete quarter; without `area`, force-wide. A source service "
    "that is down or slow makes only its KPIs `unavailable` (with the reason): the scorecard "
    "still answers 200. RAG rule: " + RAG_RULE + " SPC: " + SPC_RULES,
    responses=problem_responses(),
)
async def get_scorecard(
    session: SessionDep,
    sources: SourcesDep,
    _: Reader,
    period: Annotated[
        str | None,
        Query(max_length=7, pattern=PERIOD_PATTERN, description="`2022-09`, `2022-Q3` or `2022`."),
    ] = None,
    area: Annotated[
        str | None, Query(max_length=40, description="A district or neighbourhood; omit: force.")
    ] = None,
) -> Scorecard:
    return await service.build_scorecard(session, sources, period=period, area=area)
