"""HTTP endpoints of targets, under their KPI."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from services.kpi.catalogue import service as catalogue
from services.kpi.sources.dependencies import SourcesDep
from services.kpi.targets import service
from services.kpi.targets.schemas import TargetIn, TargetRead
from shared.auth import Principal, require_scope
from shared.contracts.kpi import RAG_RULE
from shared.db import SessionDep
from shared.problems import problem_responses

router = APIRouter(tags=["targets"])

Reader = Annotated[Principal, Depends(require_scope("kpi:read"))]
Writer = Annotated[Principal, Depends(require_scope("kpi:write"))]
Code = Annotated[str, Path(max_length=60)]


@router.get(
    "/kpis/{code}/targets",
    response_model=list[TargetRead],
    summary="A KPI's dated targets",
    responses=problem_responses(404),
)
async def list_targets(code: Code, session: SessionDep, _: Reader) -> list[TargetRead]:
    return await service.list_targets(session, await catalogue.require(session, code))


@router.post(
    "/kpis/{code}/targets",
    status_code=201,
    response_model=TargetRead,
    summary="Set a dated target (force-wide or for an area)",
    description="A target applies from `valid_from` to `valid_to` (inclusive; open-ended "
    "without it). A new target starting after an open-ended one for the same area ends that "
    "one the day before; any other overlap is a 409. Sending a target already set again is a "
    "replay: 200 with the stored target, nothing changed. " + RAG_RULE,
    responses={
        200: {"model": TargetRead, "description": "A replay: this target is already set."},
        **problem_responses(404, 409, 503),
    },
)
async def create_target(
    code: Code,
    payload: TargetIn,
    session: SessionDep,
    sources: SourcesDep,
    _: Writer,
    response: Response,
) -> TargetRead:
    kpi = await catalogue.require(session, code)
    row, created = await service.create_target(session, sources, kpi, payload)
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"/api/v1/kpis/{code}/targets/{row.id}"
    return service.to_read(row)


@router.delete(
    "/kpis/{code}/targets/{target_id}",
    status_code=204,
    summary="Delete a target",
    responses=problem_responses(404),
)
async def delete_target(
    code: Code, target_id: uuid.UUID, session: SessionDep, _: Writer
) -> Response:
    await service.delete_target(session, await catalogue.require(session, code), target_id)
    return Response(status_code=204)
