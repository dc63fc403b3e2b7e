"""HTTP endpoints of the KPI service: thin, the rules live in `service.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from services.kpi import service
from services.kpi.schemas import KpiRead
from shared.auth import Principal, require_scope
from shared.db import SessionDep
from shared.problems import problem_responses

router = APIRouter(tags=["kpis"])

Reader = Annotated[Principal, Depends(require_scope("kpi:read"))]


@router.get("/kpis", response_model=list[KpiRead], summary="The KPI catalogue")
async def list_kpis(
    session: SessionDep,
    _: Reader,
    pillar: Annotated[str | None, Query(max_length=60)] = None,
) -> list[KpiRead]:
    return await service.list_kpis(session, pillar)


@router.get(
    "/kpis/{code}",
    response_model=KpiRead,
    summary="One KPI with its counting rule",
    responses=problem_responses(404),
)
async def get_kpi(
    code: Annotated[str, Path(max_length=60)], session: SessionDep, _: Reader
) -> KpiRead:
    return await service.get_kpi(session, code)
