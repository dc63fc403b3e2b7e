"""data.police.uk's neighbourhood API under `/api/v1/police-uk/`: the reads in that API's
exact shapes (public by default); the imports in the same shapes are `import_router`.

Route order matters: `forces/...`, `locate-neighbourhood` and `{force}/neighbourhoods` are
declared before the `{force}/{neighbourhood}` paths they would otherwise fall into.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from services.activity import errors
from services.activity.areas.models import Area
from services.activity.police_uk import boundaries, imports, repository, service
from services.activity.police_uk.http import PublicReader, cors_on_errors, preflight, published
from services.activity.police_uk.import_router import Force, NeighbourhoodId, writes
from services.activity.police_uk.models import PoliceUkForce, PoliceUkNeighbourhood
from services.activity.police_uk.schemas import (
    BoundaryPointOut,
    ForceRecord,
    ForceSummary,
    LocatedNeighbourhood,
    NeighbourhoodRecord,
    NeighbourhoodSummary,
    Officer,
    PoliceEvent,
    PriorityOut,
    TeamMember,
)
from shared.db import SessionDep, utcnow
from shared.problems import problem_responses

TAG = "police.uk"
reads = APIRouter(prefix="/police-uk", tags=[TAG], dependencies=[Depends(cors_on_errors)])

READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    **problem_responses(404),
    304: {"description": "Not modified: the copy named by If-None-Match/If-Modified-Since."},
}


@dataclass(frozen=True)
class Neighbourhood:
    """The neighbourhood a read's path names, found once for every read of it."""

    id: str
    area: Area
    extra: PoliceUkNeighbourhood | None


async def _neighbourhood(
    force: Force, neighbourhood: NeighbourhoodId, session: SessionDep, reader: PublicReader
) -> Neighbourhood:
    """`/{force}/{neighbourhood}/...`: the neighbourhood, or a 404 when it is unknown or, to
    a caller limited to districts, of another district."""
    area, extra = await imports.area_of(session, force, neighbourhood, districts=reader.districts)
    return Neighbourhood(neighbourhood, area, extra)


NeighbourhoodOfPath = Annotated[Neighbourhood, Depends(_neighbourhood)]


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
    reader: PublicReader,
    q: Annotated[str, Query(max_length=100, examples=["51.4633,-2.5621"])],
) -> Response:
    latitude, longitude = boundaries.parse_point(q)
    candidates = await repository.boundary_candidates(
        session, latitude, longitude, reader.districts
    )
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
    force: Force, request: Request, session: SessionDep, reader: PublicReader
) -> Response:
    areas = await repository.neighbourhoods(session, force, reader.districts)
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
async def get_neighbourhood(request: Request, found: NeighbourhoodOfPath) -> Response:
    area, extra = found.area, found.extra
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
async def get_team(request: Request, found: NeighbourhoodOfPath) -> Response:
    area = found.area
    return published(request, service.team(area), [area.updated_at])


@reads.get(
    "/{force}/{neighbourhood}/priorities",
    response_model=list[PriorityOut],
    summary="Neighbourhood priorities (as /{force}/{id}/priorities)",
    responses=READ_RESPONSES,
)
async def get_priorities(request: Request, found: NeighbourhoodOfPath) -> Response:
    area = found.area
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
async def get_events(request: Request, session: SessionDep, found: NeighbourhoodOfPath) -> Response:
    area = found.area
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
async def get_boundary(request: Request, found: NeighbourhoodOfPath) -> Response:
    extra = found.extra
    if extra is None or extra.boundary is None:
        raise errors.not_found("boundary recorded for neighbourhood", found.id)
    return published(request, boundaries.boundary_points(extra.boundary), [extra.updated_at])


router = APIRouter()
router.include_router(reads)
router.include_router(writes)
