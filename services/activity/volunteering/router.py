"""HTTP endpoints of the volunteer hours registry: thin, the rules are in `service.py`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.activity import versioned
from services.activity.bodies import read_json_object
from services.activity.deps import Cursor, Limit, Reader, Writer
from services.activity.volunteering import repository
from services.activity.volunteering.schemas import HoursFields, HoursIn, HoursRead
from services.activity.volunteering.service import HOURS, hours_read, month_number
from shared.contracts.taxonomy import VolunteerRole
from shared.db import SessionDep
from shared.openapi import merge_patch_body
from shared.pagination import DEFAULT_LIMIT, CursorPage
from shared.problems import problem_responses

router = APIRouter()


@router.get(
    "/volunteer-hours",
    response_model=CursorPage[HoursRead],
    tags=["volunteer hours"],
    summary="List citizens-in-policing volunteer hours",
)
async def list_hours(
    session: SessionDep,
    principal: Reader,
    role: VolunteerRole | None = None,
    area: Annotated[str | None, Query(max_length=40)] = None,
    district: Annotated[str | None, Query(max_length=40)] = None,
    from_: Annotated[str | None, Query(alias="from", pattern=r"^\d{4}-\d{2}$")] = None,
    to: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> CursorPage[HoursRead]:
    stmt = repository.filtered(
        HOURS.listed(principal.districts),
        role=role,
        area=area,
        district=district,
        first_month=None if from_ is None else month_number(from_),
        last_month=None if to is None else month_number(to),
    )
    return await versioned.id_page(session, stmt, HOURS.model, cursor, limit, hours_read)


@router.post(
    "/volunteer-hours",
    status_code=201,
    response_model=HoursRead,
    tags=["volunteer hours"],
    summary="Record volunteer hours for a month",
)
async def post_hours(
    payload: HoursIn, session: SessionDep, _: Writer, response: Response
) -> HoursRead:
    row = await HOURS.create(session, payload)
    versioned.answer_created(response, f"/api/v1/volunteer-hours/{row.id}", row.version)
    return hours_read(row)


@router.get(
    "/volunteer-hours/{hours_id}",
    response_model=HoursRead,
    tags=["volunteer hours"],
    responses=problem_responses(404),
)
async def get_hours(
    hours_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> HoursRead:
    row = await HOURS.get(session, hours_id, principal.districts)
    versioned.answer_current(response, row.version)
    return hours_read(row)


@router.patch(
    "/volunteer-hours/{hours_id}",
    response_model=HoursRead,
    tags=["volunteer hours"],
    summary="Amend volunteer hours (JSON merge patch)",
    openapi_extra=merge_patch_body(HoursFields, "HoursPatch"),
    responses=problem_responses(404, 412),
)
async def patch_hours(
    hours_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: Writer,
    response: Response,
    if_match: versioned.OptionalIfMatch = None,
) -> HoursRead:
    patch = await read_json_object(request)
    row = await HOURS.amend(
        session, hours_id, patch, if_match=if_match, districts=principal.districts
    )
    versioned.answer_current(response, row.version)
    return hours_read(row)
