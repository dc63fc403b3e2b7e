"""HTTP endpoints of the community groups registry: thin, the rules are in `service.py`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.activity import versioned
from services.activity.bodies import read_json_object
from services.activity.deps import Cursor, Limit, Reader, Writer
from services.activity.groups import repository
from services.activity.groups.schemas import GroupFields, GroupIn, GroupRead
from services.activity.groups.service import GROUPS, group_read
from shared.contracts.taxonomy import GroupType
from shared.db import SessionDep
from shared.openapi import merge_patch_body
from shared.pagination import DEFAULT_LIMIT, CursorPage
from shared.problems import problem_responses

router = APIRouter()


@router.get(
    "/community-groups",
    response_model=CursorPage[GroupRead],
    tags=["community groups"],
    summary="List community groups",
)
async def list_groups(
    session: SessionDep,
    principal: Reader,
    group_type: GroupType | None = None,
    area: Annotated[str | None, Query(max_length=40)] = None,
    active: bool | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> CursorPage[GroupRead]:
    stmt = repository.filtered(
        GROUPS.listed(principal.districts), group_type=group_type, area=area, active=active
    )
    return await versioned.id_page(session, stmt, GROUPS.model, cursor, limit, group_read)


@router.post(
    "/community-groups",
    status_code=201,
    response_model=GroupRead,
    tags=["community groups"],
    summary="Register a community group",
)
async def post_group(
    payload: GroupIn, session: SessionDep, _: Writer, response: Response
) -> GroupRead:
    group = await GROUPS.create(session, payload)
    versioned.answer_created(response, f"/api/v1/community-groups/{group.id}", group.version)
    return group_read(group)


@router.get(
    "/community-groups/{group_id}",
    response_model=GroupRead,
    tags=["community groups"],
    responses=problem_responses(404),
)
async def get_group(
    group_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> GroupRead:
    group = await GROUPS.get(session, group_id, principal.districts)
    versioned.answer_current(response, group.version)
    return group_read(group)


@router.patch(
    "/community-groups/{group_id}",
    response_model=GroupRead,
    tags=["community groups"],
    summary="Amend a community group (JSON merge patch)",
    openapi_extra=merge_patch_body(GroupFields, "GroupPatch"),
    responses=problem_responses(404, 412),
)
async def patch_group(
    group_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: Writer,
    response: Response,
    if_match: versioned.OptionalIfMatch = None,
) -> GroupRead:
    patch = await read_json_object(request)
    group = await GROUPS.amend(
        session, group_id, patch, if_match=if_match, districts=principal.districts
    )
    versioned.answer_current(response, group.version)
    return group_read(group)
