"""Imports in data.police.uk's shapes (scope `activity:write`): forces, neighbourhoods,
teams, priorities, boundaries, and the author's publication of a planned activity."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, TypeAdapter, ValidationError

from services.activity import errors
from services.activity.areas.schemas import AreaRead
from services.activity.areas.service import area_read
from services.activity.bodies import malformed, read_json
from services.activity.police_uk import boundaries, imports, service
from services.activity.police_uk.schemas import (
    BOUNDARY_EXAMPLE,
    FORCE_EXAMPLE,
    IMPORT_EXAMPLE,
    SENIOR_OFFICERS_EXAMPLE,
    BoundaryPoint,
    BoundaryPointOut,
    ForceRecord,
    ImportResult,
    Officer,
    PoliceForceIn,
    PoliceNeighbourhood,
    PolicePerson,
    PolicePriority,
    PublicationIn,
    PublicationRead,
)
from shared.auth import Principal, require_scope
from shared.db import SessionDep
from shared.openapi import array_body_schema, object_body_schema
from shared.problems import invalid, problem_responses

writes = APIRouter(prefix="/police-uk", tags=["police.uk"])

Writer = Annotated[Principal, Depends(require_scope("activity:write"))]
Force = Annotated[str, Path(pattern=r"^[a-z0-9\-]{1,100}$", description="e.g. avon-and-somerset")]
NeighbourhoodId = Annotated[str, Path(min_length=1, max_length=100)]


async def _json(request: Request) -> Any:
    # The shared reader lets a RecursionError (JSON nested thousands deep) through as a 500;
    # a boundary body is large by nature, so it is guarded here.
    try:
        return await read_json(request)
    except RecursionError:
        raise malformed("nested too deeply") from None


# Items per import body: a force's neighbourhoods; a team or a priority list.
MAX_NEIGHBOURHOODS = 2000
MAX_ITEMS = 200


def _body_example(example: Any, schema: dict[str, Any]) -> dict[str, Any]:
    # These bodies are read by hand (arrays, or one of two shapes), so FastAPI cannot
    # document them: the schema is written here, arrays with their items typed.
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema, "example": example}},
        }
    }


async def _list_body(request: Request, model: type[BaseModel], max_items: int) -> list[Any]:
    body = await _json(request)
    if not isinstance(body, list):
        raise invalid("body", "must be a JSON array, as data.police.uk answers", "list_type")
    if len(body) > max_items:
        raise invalid("body", f"at most {max_items} items", "too_long")
    items: list[Any] = _validated(list[model], body)  # type: ignore[valid-type]  # a list of a model chosen at run time
    return items


def _validated(shape: Any, body: Any) -> Any:
    try:
        return TypeAdapter(shape).validate_python(body)
    except ValidationError as exc:
        raise errors.validation_problem(exc) from exc


@writes.put(
    "/forces/{force}",
    response_model=ForceRecord,
    summary="Create or replace a force record (the shape of /forces/{id})",
    description="Name, description, web site, telephone and engagement methods (the force's "
    "social accounts and web pages).",
    openapi_extra=_body_example(FORCE_EXAMPLE, object_body_schema(PoliceForceIn)),
    responses={
        200: {"description": "The force record, replaced."},
        201: {"model": ForceRecord, "description": "The force record, created."},
        **problem_responses(),
    },
)
async def put_force(
    force: Force, request: Request, session: SessionDep, _: Writer, response: Response
) -> ForceRecord:
    body = _validated(PoliceForceIn, await _json(request))
    record, created = await imports.put_force(session, force, body)
    response.status_code = 201 if created else 200
    if created:
        response.headers["Location"] = f"/api/v1/police-uk/forces/{force}"
    return service.force_record(record)


@writes.put(
    "/forces/{force}/people",
    response_model=list[Officer],
    summary="Replace a force's senior officers (the shape of /forces/{id}/people)",
    openapi_extra=_body_example(
        SENIOR_OFFICERS_EXAMPLE, array_body_schema(PolicePerson, MAX_ITEMS)
    ),
    responses=problem_responses(404),
)
async def put_senior_officers(
    force: Force, request: Request, session: SessionDep, _: Writer
) -> list[Officer]:
    people: list[PolicePerson] = await _list_body(request, PolicePerson, MAX_ITEMS)
    record = await imports.put_senior_officers(session, force, people)
    return [service.officer(p) for p in record.senior_officers]


@writes.post(
    "/{force}/neighbourhoods",
    response_model=ImportResult,
    summary="Import neighbourhoods (the shape of /{force}/neighbourhoods or /{force}/{id})",
    description="Creates an area per neighbourhood under `district` (code `<district>-<id>`), "
    "or updates the area already linked to that data.police.uk id. Fields an item leaves out "
    "keep their values.",
    openapi_extra=_body_example(
        IMPORT_EXAMPLE, array_body_schema(PoliceNeighbourhood, MAX_NEIGHBOURHOODS)
    ),
    responses=problem_responses(),
)
async def import_neighbourhoods(
    force: Force,
    request: Request,
    session: SessionDep,
    _: Writer,
    district: Annotated[str, Query(max_length=40, description="District the areas sit in.")],
) -> ImportResult:
    items: list[PoliceNeighbourhood] = await _list_body(
        request, PoliceNeighbourhood, MAX_NEIGHBOURHOODS
    )
    return await imports.import_neighbourhoods(session, force, district, items)


@writes.post(
    "/{force}/{neighbourhood}/people",
    response_model=AreaRead,
    summary="Replace a neighbourhood team (the shape of /{force}/{id}/people)",
    description="`photo_url` (a Hub extension) is each member's photo: the beat-profile "
    "completeness counts a team with every photo.",
    openapi_extra=_body_example(
        [
            {
                "name": "Neighbourhood sergeant",
                "rank": "Sergeant",
                "bio": "<p>Leads the team.</p>",
                "contact_details": {"email": "team@example.police.uk"},
                "photo_url": "https://example.police.uk/photos/team-1.jpg",
            }
        ],
        array_body_schema(PolicePerson, MAX_ITEMS),
    ),
    responses=problem_responses(404),
)
async def import_people(
    force: Force, neighbourhood: NeighbourhoodId, request: Request, session: SessionDep, _: Writer
) -> AreaRead:
    people: list[PolicePerson] = await _list_body(request, PolicePerson, MAX_ITEMS)
    return area_read(await imports.replace_team(session, force, neighbourhood, people))


@writes.post(
    "/{force}/{neighbourhood}/priorities",
    response_model=AreaRead,
    summary="Replace neighbourhood priorities (the shape of /{force}/{id}/priorities)",
    description="Accepts `issue-date`/`action-date` (data.police.uk) and `issue_date`/"
    "`action_date`; dates or `YYYY-MM-DDT00:00:00` times.",
    openapi_extra=_body_example(
        [
            {
                "issue": "<p>Anti-social behaviour in the park</p>",
                "issue-date": "2022-07-01T00:00:00",
                "action": "<p>Extra patrols; youth diversion sessions.</p>",
                "action-date": "2022-08-15T00:00:00",
            }
        ],
        array_body_schema(PolicePriority, MAX_ITEMS),
    ),
    responses=problem_responses(404),
)
async def import_priorities(
    force: Force, neighbourhood: NeighbourhoodId, request: Request, session: SessionDep, _: Writer
) -> AreaRead:
    items: list[PolicePriority] = await _list_body(request, PolicePriority, MAX_ITEMS)
    area = await imports.replace_priorities(session, force, neighbourhood, items)
    return area_read(area)


@writes.put(
    "/{force}/{neighbourhood}/boundary",
    response_model=list[BoundaryPointOut],
    summary="Replace a neighbourhood boundary (the shape of /{force}/{id}/boundary, or GeoJSON)",
    description="A JSON array of `{latitude, longitude}` points (one ring, open or closed), "
    "or a GeoJSON Polygon, MultiPolygon or Feature of one (`[longitude, latitude]`). "
    "Answers the boundary as `/boundary` serves it.",
    openapi_extra=_body_example(
        BOUNDARY_EXAMPLE,
        {
            "oneOf": [
                array_body_schema(BoundaryPoint, boundaries.MAX_BOUNDARY_POINTS),
                {"type": "object", "description": "GeoJSON Polygon, MultiPolygon or Feature"},
            ]
        },
    ),
    responses=problem_responses(404),
)
async def put_boundary(
    force: Force, neighbourhood: NeighbourhoodId, request: Request, session: SessionDep, _: Writer
) -> list[BoundaryPointOut]:
    body = await _json(request)
    if isinstance(body, list):
        if len(body) > boundaries.MAX_BOUNDARY_POINTS:
            raise invalid("body", f"at most {boundaries.MAX_BOUNDARY_POINTS} points", "too_long")
        geometry = boundaries.geometry_from_points(_validated(list[BoundaryPoint], body))
    elif isinstance(body, dict):
        geometry = boundaries.geometry_from_geojson(body)
    else:
        raise invalid("body", "an array of points or a GeoJSON object", "type")
    extra = await imports.put_boundary(session, force, neighbourhood, geometry)
    assert extra.boundary is not None
    return boundaries.boundary_points(extra.boundary)


@writes.put(
    "/published-events/{activity_id}",
    response_model=PublicationRead,
    summary="Publish a planned activity as a public event (its author or a reviewer)",
    description="Only what is published here appears in `/{force}/{id}/events`, with this "
    "public description; the activity's notes stay internal.",
    responses=problem_responses(403, 404),
)
async def publish_event(
    activity_id: uuid.UUID, payload: PublicationIn, session: SessionDep, principal: Writer
) -> PublicationRead:
    record = await imports.publish(session, activity_id, payload, principal)
    return PublicationRead(
        activity_id=record.activity_id,
        description=record.description,
        published_by=record.published_by,
        published_at=record.published_at,
    )


@writes.delete(
    "/published-events/{activity_id}",
    status_code=204,
    summary="Withdraw a published event",
    responses=problem_responses(403, 404),
)
async def withdraw_event(
    activity_id: uuid.UUID, session: SessionDep, principal: Writer
) -> Response:
    await imports.withdraw(session, activity_id, principal)
    return Response(status_code=204)
