"""data.police.uk's neighbourhood API under `/api/v1/police-uk/`: the reads in that API's
exact shapes (public by default), and the imports in the same shapes.

Route order matters: `forces/...`, `locate-neighbourhood` and `{force}/neighbourhoods` are
declared before the `{force}/{neighbourhood}` paths they would otherwise fall into.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, TypeAdapter, ValidationError

from services.activity import errors, registries
from services.activity.bodies import read_json
from services.activity.police_uk import boundaries, imports, repository, service
from services.activity.police_uk.http import PublicReader, cors_on_errors, preflight, published
from services.activity.police_uk.models import PoliceUkForce
from services.activity.police_uk.schemas import (
    BOUNDARY_EXAMPLE,
    FORCE_EXAMPLE,
    IMPORT_EXAMPLE,
    SENIOR_OFFICERS_EXAMPLE,
    BoundaryPoint,
    BoundaryPointOut,
    ForceRecord,
    ForceSummary,
    ImportResult,
    LocatedNeighbourhood,
    NeighbourhoodRecord,
    NeighbourhoodSummary,
    Officer,
    PoliceEvent,
    PoliceForceIn,
    PoliceNeighbourhood,
    PolicePerson,
    PolicePriority,
    PriorityOut,
    PublicationIn,
    PublicationRead,
    TeamMember,
)
from shared.auth import Principal, require_scope
from shared.db import SessionDep, utcnow
from shared.problems import invalid, problem_responses

TAG = "police.uk"
reads = APIRouter(prefix="/police-uk", tags=[TAG], dependencies=[Depends(cors_on_errors)])
writes = APIRouter(prefix="/police-uk", tags=[TAG])

Writer = Annotated[Principal, Depends(require_scope("activity:write"))]
Force = Annotated[str, Path(pattern=r"^[a-z0-9\-]{1,100}$", description="e.g. avon-and-somerset")]
NeighbourhoodId = Annotated[str, Path(min_length=1, max_length=100)]
READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    **problem_responses(404),
    304: {"description": "Not modified: the copy named by If-None-Match/If-Modified-Since."},
}


def _body_example(example: Any, schema_type: str = "array") -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": schema_type}, "example": example}},
        }
    }


async def _list_body(request: Request, model: type[BaseModel], max_items: int) -> list[Any]:
    body = await read_json(request)
    if not isinstance(body, list):
        raise invalid("body", "must be a JSON array, as data.police.uk answers", "list_type")
    if len(body) > max_items:
        raise invalid("body", f"at most {max_items} items", "too_long")
    items: list[Any] = _validated(list[model], body)  # type: ignore[valid-type]
    return items


def _validated(shape: Any, body: Any) -> Any:
    try:
        return TypeAdapter(shape).validate_python(body)
    except ValidationError as exc:
        raise errors.validation_problem(exc) from exc


# --- reads ---------------------------------------------------------------------------------


@reads.options("/{path:path}", include_in_schema=False)
async def cors_preflight(path: str) -> Response:
    return preflight()


@reads.get("/forces", response_model=list[ForceSummary], summary="Forces (as /forces)")
async def get_forces(request: Request, session: SessionDep, _: PublicReader) -> Response:
    forces = await repository.forces(session)
    return published(
        request,
        [ForceSummary(id=f.id, name=f.name) for f in forces],
        [await repository.forces_changed_at(session)],
    )


async def _force(session: SessionDep, force: str) -> PoliceUkForce:
    record = await repository.force(session, force)
    if record is None:
        raise errors.not_found("force", force)
    return record


@reads.get(
    "/forces/{force}",
    response_model=ForceRecord,
    summary="A force, with its engagement methods (as /forces/{id})",
    responses=READ_RESPONSES,
)
async def get_force(
    force: Force, request: Request, session: SessionDep, _: PublicReader
) -> Response:
    record = await _force(session, force)
    return published(request, service.force_record(record), [record.updated_at])


@reads.get(
    "/forces/{force}/people",
    response_model=list[Officer],
    summary="A force's senior officers (as /forces/{id}/people)",
    responses=READ_RESPONSES,
)
async def get_senior_officers(
    force: Force, request: Request, session: SessionDep, _: PublicReader
) -> Response:
    record = await _force(session, force)
    people = [service.officer(p) for p in record.senior_officers or []]
    return published(request, people, [record.updated_at])


@reads.get(
    "/locate-neighbourhood",
    response_model=LocatedNeighbourhood,
    summary="The neighbourhood at a point (as /locate-neighbourhood?q=lat,lng)",
    description="Point-in-polygon over the stored boundaries; a point in none is a 404.",
    responses=READ_RESPONSES,
)
async def locate_neighbourhood(
    request: Request,
    session: SessionDep,
    _: PublicReader,
    q: Annotated[str, Query(max_length=100, examples=["51.4633,-2.5621"])],
) -> Response:
    latitude, longitude = boundaries.parse_point(q)
    candidates = await repository.boundary_candidates(session, latitude, longitude)
    area = boundaries.containing(candidates, latitude, longitude)
    if area is None or area.police_uk_force is None or area.police_uk_id is None:
        raise errors.not_found("neighbourhood at", q)
    extra = next(x for a, x in candidates if a.code == area.code)
    return published(
        request,
        LocatedNeighbourhood(force=area.police_uk_force, neighbourhood=area.police_uk_id),
        [area.updated_at, extra.updated_at],
    )


@reads.get(
    "/{force}/neighbourhoods",
    response_model=list[NeighbourhoodSummary],
    summary="A force's neighbourhoods (as /{force}/neighbourhoods)",
    responses=READ_RESPONSES,
)
async def get_neighbourhoods(
    force: Force, request: Request, session: SessionDep, _: PublicReader
) -> Response:
    areas = await repository.neighbourhoods(session, force)
    record = await repository.force(session, force)
    if not areas and record is None:
        raise errors.not_found("force", force)
    return published(
        request,
        [NeighbourhoodSummary(id=a.police_uk_id or a.code, name=a.name) for a in areas],
        [a.updated_at for a in areas] + [record.updated_at if record else None],
    )


@reads.get(
    "/{force}/{neighbourhood}",
    response_model=NeighbourhoodRecord,
    summary="A neighbourhood (as /{force}/{id}), with what its beat profile lacks",
    responses=READ_RESPONSES,
)
async def get_neighbourhood(
    force: Force,
    neighbourhood: NeighbourhoodId,
    request: Request,
    session: SessionDep,
    _: PublicReader,
) -> Response:
    area, extra = await imports.area_of(session, force, neighbourhood)
    return published(
        request,
        service.neighbourhood_record(area, extra),
        [area.updated_at, extra.updated_at if extra else None],
    )


@reads.get(
    "/{force}/{neighbourhood}/people",
    response_model=list[TeamMember],
    summary="The neighbourhood team (as /{force}/{id}/people)",
    responses=READ_RESPONSES,
)
async def get_team(
    force: Force,
    neighbourhood: NeighbourhoodId,
    request: Request,
    session: SessionDep,
    _: PublicReader,
) -> Response:
    area, _extra = await imports.area_of(session, force, neighbourhood)
    return published(request, service.team(area), [area.updated_at])


@reads.get(
    "/{force}/{neighbourhood}/priorities",
    response_model=list[PriorityOut],
    summary="Neighbourhood priorities (as /{force}/{id}/priorities)",
    responses=READ_RESPONSES,
)
async def get_priorities(
    force: Force,
    neighbourhood: NeighbourhoodId,
    request: Request,
    session: SessionDep,
    _: PublicReader,
) -> Response:
    area, _extra = await imports.area_of(session, force, neighbourhood)
    return published(request, service.priorities(area), [area.updated_at])


@reads.get(
    "/{force}/{neighbourhood}/events",
    response_model=list[PoliceEvent],
    summary="Upcoming public events (as /{force}/{id}/events)",
    description="Planned activities of a public event type that their author published "
    "(`PUT /police-uk/published-events/{activity_id}`); never cancelled, past or deleted "
    "ones, and never an activity's internal notes or review state.",
    responses=READ_RESPONSES,
)
async def get_events(
    force: Force,
    neighbourhood: NeighbourhoodId,
    request: Request,
    session: SessionDep,
    _: PublicReader,
) -> Response:
    area, _extra = await imports.area_of(session, force, neighbourhood)
    now = utcnow()
    rows = await repository.published_events(session, area.code, now)
    changed = await repository.events_changed_at(session, area.code, now)
    return published(
        request, [service.event(area, row) for row in rows], [area.updated_at, *changed]
    )


@reads.get(
    "/{force}/{neighbourhood}/boundary",
    response_model=list[BoundaryPointOut],
    summary="The neighbourhood boundary (as /{force}/{id}/boundary)",
    responses=READ_RESPONSES,
)
async def get_boundary(
    force: Force,
    neighbourhood: NeighbourhoodId,
    request: Request,
    session: SessionDep,
    _: PublicReader,
) -> Response:
    _area, extra = await imports.area_of(session, force, neighbourhood)
    if extra is None or extra.boundary is None:
        raise errors.not_found("boundary recorded for neighbourhood", neighbourhood)
    return published(request, boundaries.boundary_points(extra.boundary), [extra.updated_at])


# --- imports -------------------------------------------------------------------------------


@writes.put(
    "/forces/{force}",
    response_model=ForceRecord,
    summary="Create or replace a force record (the shape of /forces/{id})",
    description="Name, description, web site, telephone and engagement methods (the force's "
    "social accounts and web pages).",
    openapi_extra=_body_example(FORCE_EXAMPLE, "object"),
    responses=problem_responses(),
)
async def put_force(
    force: Force, request: Request, session: SessionDep, _: Writer, response: Response
) -> ForceRecord:
    body = _validated(PoliceForceIn, await read_json(request))
    record, created = await imports.put_force(session, force, body)
    response.status_code = 201 if created else 200
    return service.force_record(record)


@writes.put(
    "/forces/{force}/people",
    response_model=list[Officer],
    summary="Replace a force's senior officers (the shape of /forces/{id}/people)",
    openapi_extra=_body_example(SENIOR_OFFICERS_EXAMPLE),
    responses=problem_responses(404),
)
async def put_senior_officers(
    force: Force, request: Request, session: SessionDep, _: Writer
) -> list[Officer]:
    people: list[PolicePerson] = await _list_body(request, PolicePerson, 200)
    record = await imports.put_senior_officers(session, force, people)
    return [service.officer(p) for p in record.senior_officers]


@writes.post(
    "/{force}/neighbourhoods",
    response_model=ImportResult,
    summary="Import neighbourhoods (the shape of /{force}/neighbourhoods or /{force}/{id})",
    description="Creates an area per neighbourhood under `district` (code `<district>-<id>`), "
    "or updates the area already linked to that data.police.uk id. Fields an item leaves out "
    "keep their values.",
    openapi_extra=_body_example(IMPORT_EXAMPLE),
    responses=problem_responses(),
)
async def import_neighbourhoods(
    force: Force,
    request: Request,
    session: SessionDep,
    _: Writer,
    district: Annotated[str, Query(max_length=40, description="District the areas sit in.")],
) -> ImportResult:
    items: list[PoliceNeighbourhood] = await _list_body(request, PoliceNeighbourhood, 2000)
    return await imports.import_neighbourhoods(session, force, district, items)


@writes.post(
    "/{force}/{neighbourhood}/people",
    response_model=registries.AreaRead,
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
        ]
    ),
    responses=problem_responses(404),
)
async def import_people(
    force: Force, neighbourhood: NeighbourhoodId, request: Request, session: SessionDep, _: Writer
) -> registries.AreaRead:
    people: list[PolicePerson] = await _list_body(request, PolicePerson, 200)
    return registries.area_read(await imports.replace_team(session, force, neighbourhood, people))


@writes.post(
    "/{force}/{neighbourhood}/priorities",
    response_model=registries.AreaRead,
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
        ]
    ),
    responses=problem_responses(404),
)
async def import_priorities(
    force: Force, neighbourhood: NeighbourhoodId, request: Request, session: SessionDep, _: Writer
) -> registries.AreaRead:
    items: list[PolicePriority] = await _list_body(request, PolicePriority, 200)
    area = await imports.replace_priorities(session, force, neighbourhood, items)
    return registries.area_read(area)


@writes.put(
    "/{force}/{neighbourhood}/boundary",
    response_model=list[BoundaryPointOut],
    summary="Replace a neighbourhood boundary (the shape of /{force}/{id}/boundary, or GeoJSON)",
    description="A JSON array of `{latitude, longitude}` points (one ring, open or closed), "
    "or a GeoJSON Polygon, MultiPolygon or Feature of one (`[longitude, latitude]`). "
    "Answers the boundary as `/boundary` serves it.",
    openapi_extra=_body_example(BOUNDARY_EXAMPLE),
    responses=problem_responses(404),
)
async def put_boundary(
    force: Force, neighbourhood: NeighbourhoodId, request: Request, session: SessionDep, _: Writer
) -> list[BoundaryPointOut]:
    body = await read_json(request)
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


router = APIRouter()
router.include_router(reads)
router.include_router(writes)
