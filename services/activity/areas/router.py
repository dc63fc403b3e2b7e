"""HTTP endpoints of the areas registry: thin, the rules are in `areas/service.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.activity import versioned
from services.activity.areas import repository, service
from services.activity.areas.schemas import AreaFields, AreaIn, AreaRead
from services.activity.bodies import read_json_object
from services.activity.deps import Cursor, Limit, Reader, Writer
from shared.contracts.taxonomy import AreaKind
from shared.db import SessionDep
from shared.openapi import merge_patch_body
from shared.pagination import DEFAULT_LIMIT, CursorPage, encode_cursor
from shared.problems import problem_responses

router = APIRouter()


@router.get("/areas", response_model=CursorPage[AreaRead], tags=["areas"], summary="List areas")
async def list_areas(
    session: SessionDep,
    principal: Reader,
    kind: AreaKind | None = None,
    parent: Annotated[str | None, Query(max_length=40)] = None,
    district: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> CursorPage[AreaRead]:
    stmt = repository.listed(
        principal.districts, kind=kind, parent=parent, district=district, cursor=cursor
    )
    rows = await repository.page(session, stmt, limit + 1)
    next_cursor = encode_cursor([rows[limit - 1].code]) if len(rows) > limit else None
    return CursorPage(
        items=[service.area_read(a) for a in rows[:limit]], limit=limit, next_cursor=next_cursor
    )


@router.post(
    "/areas",
    status_code=201,
    response_model=AreaRead,
    tags=["areas"],
    summary="Register an area (force, district or neighbourhood)",
    description="Sending an area already registered exactly as sent is a replay (200, "
    "`Idempotent-Replayed: true`, nothing changed); the same code with other fields is a 409.",
    responses={
        **problem_responses(409),
        200: {"model": AreaRead, "description": "A replay: the area is registered as sent."},
    },
)
async def post_area(
    payload: AreaIn, session: SessionDep, _: Writer, response: Response
) -> AreaRead:
    area, replayed = await service.register_area(session, payload)
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
        versioned.answer_current(response, area.version)
    else:
        versioned.answer_created(response, f"/api/v1/areas/{area.code}", area.version)
    return service.area_read(area)


@router.get(
    "/areas/{code}", response_model=AreaRead, tags=["areas"], responses=problem_responses(404)
)
async def get_area_endpoint(
    code: str, session: SessionDep, principal: Reader, response: Response
) -> AreaRead:
    area = await service.get_area(session, code, principal.districts)
    versioned.answer_current(response, area.version)
    return service.area_read(area)


@router.patch(
    "/areas/{code}",
    response_model=AreaRead,
    tags=["areas"],
    summary="Amend an area (JSON merge patch)",
    openapi_extra=merge_patch_body(AreaFields, "AreaPatch"),
    responses=problem_responses(404, 412),
)
async def patch_area(
    code: str,
    request: Request,
    session: SessionDep,
    principal: Writer,
    response: Response,
    if_match: versioned.OptionalIfMatch = None,
) -> AreaRead:
    patch = await read_json_object(request)
    area = await service.amend_area(session, code, patch, if_match=if_match, principal=principal)
    versioned.answer_current(response, area.version)
    return service.area_read(area)
