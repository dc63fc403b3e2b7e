"""HTTP endpoints of the catalogue: thin, the rules live in `service.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Response

from services.kpi.catalogue import service
from services.kpi.catalogue.schemas import KpiCreate, KpiPatch, KpiRead, Source
from services.kpi.errors import version_etag
from shared.auth import Principal, require_scope
from shared.db import SessionDep
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, CursorPage
from shared.problems import problem_responses

router = APIRouter(tags=["kpis"])

Reader = Annotated[Principal, Depends(require_scope("kpi:read"))]
Writer = Annotated[Principal, Depends(require_scope("kpi:write"))]
Code = Annotated[str, Path(max_length=60)]


@router.get("/kpis", response_model=CursorPage[KpiRead], summary="The KPI catalogue")
async def list_kpis(
    session: SessionDep,
    _: Reader,
    pillar: Annotated[str | None, Query(max_length=60)] = None,
    source: Source | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> CursorPage[KpiRead]:
    return await service.list_kpis(
        session,
        pillar=pillar,
        source=source.value if source else None,
        cursor=cursor,
        limit=limit,
    )


@router.post(
    "/kpis",
    status_code=201,
    response_model=KpiRead,
    summary="Create a custom KPI fed by measurements",
    description="Sending the definition stored under its code again is a replay: 200 with the "
    "stored KPI, nothing changed. Another definition of a code in use is a 409.",
    responses={
        200: {"model": KpiRead, "description": "A replay: this definition is already stored."},
        **problem_responses(409),
    },
)
async def create_kpi(
    payload: KpiCreate, session: SessionDep, _: Writer, response: Response
) -> KpiRead:
    row, created = await service.create_kpi(session, payload)
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"/api/v1/kpis/{row.code}"
    response.headers["ETag"] = version_etag(row.version)
    return service.to_read(row)


@router.get(
    "/kpis/{code}",
    response_model=KpiRead,
    summary="One KPI with its counting rule",
    responses=problem_responses(404),
)
async def get_kpi(code: Code, session: SessionDep, _: Reader, response: Response) -> KpiRead:
    row = await service.require(session, code)
    response.headers["ETag"] = version_etag(row.version)
    return service.to_read(row)


@router.patch(
    "/kpis/{code}",
    response_model=KpiRead,
    summary="Amend a KPI's wording, direction or SPC settings (If-Match required)",
    description="Send the ETag last read in `If-Match`: without it 428, when the KPI changed "
    "since 412 (with the current ETag); nothing changes then. Unit, source and binding are "
    "fixed: they decide what the figures mean.",
    responses=problem_responses(404, 412, 428),
    # A merge patch (RFC 7396) in effect, so its media type is taken too, with the same schema.
    openapi_extra={
        "requestBody": {
            "content": {
                "application/merge-patch+json": {
                    "schema": {"$ref": "#/components/schemas/KpiPatch"}
                }
            }
        }
    },
)
async def patch_kpi(
    code: Code,
    patch: KpiPatch,
    session: SessionDep,
    _: Writer,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=200)] = None,
) -> KpiRead:
    row = await service.amend_kpi(session, code, patch, if_match)
    response.headers["ETag"] = version_etag(row.version)
    return service.to_read(row)
