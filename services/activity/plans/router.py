"""HTTP endpoints of the plans registry: thin, the rules are in `service.py`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.activity import versioned
from services.activity.bodies import read_json_object
from services.activity.deps import Cursor, Limit, Reader, Writer
from services.activity.plans import repository
from services.activity.plans.models import Plan
from services.activity.plans.schemas import PlanFields, PlanIn, PlanRead
from services.activity.plans.service import PLANS, plan_read, plan_read_one, plan_reads
from shared.contracts.taxonomy import PlanKind
from shared.db import SessionDep
from shared.openapi import merge_patch_body
from shared.pagination import DEFAULT_LIMIT, CursorPage
from shared.problems import problem_responses

router = APIRouter()


@router.get(
    "/plans",
    response_model=CursorPage[PlanRead],
    tags=["plans"],
    summary="List engagement plans (strategies and local plans)",
)
async def list_plans(
    session: SessionDep,
    principal: Reader,
    kind: PlanKind | None = None,
    parent_id: uuid.UUID | None = None,
    area: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> CursorPage[PlanRead]:
    stmt = repository.filtered(
        PLANS.listed(principal.districts), kind=kind, parent_id=parent_id, area=area
    )
    page = await versioned.id_page(session, stmt, Plan, cursor, limit, lambda p: p)
    return CursorPage(
        items=await plan_reads(session, page.items), limit=limit, next_cursor=page.next_cursor
    )


@router.post(
    "/plans",
    status_code=201,
    response_model=PlanRead,
    tags=["plans"],
    summary="Create a strategy or a local engagement plan",
)
async def post_plan(
    payload: PlanIn, session: SessionDep, _: Writer, response: Response
) -> PlanRead:
    plan = await PLANS.create(session, payload)
    versioned.answer_created(response, f"/api/v1/plans/{plan.id}", plan.version)
    return plan_read(plan, {})  # a new plan: no activity delivers it yet


@router.get(
    "/plans/{plan_id}", response_model=PlanRead, tags=["plans"], responses=problem_responses(404)
)
async def get_plan(
    plan_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> PlanRead:
    plan = await PLANS.get(session, plan_id, principal.districts)
    versioned.answer_current(response, plan.version)
    return await plan_read_one(session, plan)


@router.patch(
    "/plans/{plan_id}",
    response_model=PlanRead,
    tags=["plans"],
    summary="Amend a plan (JSON merge patch)",
    openapi_extra=merge_patch_body(PlanFields, "PlanPatch"),
    responses=problem_responses(404, 412),
)
async def patch_plan(
    plan_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: Writer,
    response: Response,
    if_match: versioned.OptionalIfMatch = None,
) -> PlanRead:
    patch = await read_json_object(request)
    plan = await PLANS.amend(
        session, plan_id, patch, if_match=if_match, districts=principal.districts
    )
    versioned.answer_current(response, plan.version)
    return await plan_read_one(session, plan)
