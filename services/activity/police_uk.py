"""data.police.uk compatibility: import neighbourhoods, teams and priorities in that API's
shapes, and export a neighbourhood's upcoming public events in the shape of its `/events`.

The import bodies are what data.police.uk answers (`/{force}/neighbourhoods`,
`/{force}/{id}`, `/{force}/{id}/people`, `/{force}/{id}/priorities`), so a script can pipe them
through unchanged: fields that API adds and the Hub does not keep are ignored there, unlike
the Hub's own resources, which refuse unknown fields.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.activity import errors, registries, repository
from services.activity.bodies import read_json
from services.activity.models import Area
from services.activity.service import LONDON
from shared.auth import Principal, require_scope
from shared.contracts.taxonomy import PUBLIC_EVENT_TYPES, AreaKind
from shared.db import SessionDep, utcnow
from shared.openapi import array_body_schema
from shared.problems import invalid, problem_responses

router = APIRouter(prefix="/police-uk", tags=["police.uk"])

Reader = Annotated[Principal, Depends(require_scope("activity:read"))]
Writer = Annotated[Principal, Depends(require_scope("activity:write"))]
Force = Annotated[str, Path(pattern=r"^[a-z0-9\-]{1,100}$", description="e.g. avon-and-somerset")]
NeighbourhoodId = Annotated[str, Path(min_length=1, max_length=100)]

Text = Annotated[str, Field(max_length=10_000)]
# Items per import body: a force's neighbourhoods; a team or a priority list.
MAX_NEIGHBOURHOODS = 2000
MAX_ITEMS = 200


class Foreign(BaseModel):
    """A data.police.uk shape: extra fields of that API are ignored, not stored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class PoliceCentre(Foreign):
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)


class PoliceNeighbourhood(Foreign):
    id: Annotated[str, Field(min_length=1, max_length=100)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Text | None = None
    contact_details: dict[str, Annotated[str, Field(max_length=500)]] = Field(default_factory=dict)
    centre: PoliceCentre | None = None
    population: int | None = Field(default=None, ge=0)


class PolicePerson(Foreign):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    rank: Annotated[str, Field(max_length=200)] | None = None
    bio: Text | None = None
    contact_details: dict[str, Annotated[str, Field(max_length=500)]] = Field(default_factory=dict)


def _date_part(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 10 and value[10] in "T ":
        return value[:10]
    return value


class PolicePriority(Foreign):
    issue: Annotated[str, Field(min_length=1, max_length=5000)]
    issue_date: date | None = Field(
        default=None, validation_alias=AliasChoices("issue-date", "issue_date")
    )
    action: Text | None = None
    action_date: date | None = Field(
        default=None, validation_alias=AliasChoices("action-date", "action_date")
    )

    _dates = field_validator("issue_date", "action_date", mode="before")(
        lambda cls, v: _date_part(v)
    )


class ImportResult(BaseModel):
    created: list[str] = Field(description="Codes of the areas created.")
    updated: list[str] = Field(description="Codes of the areas updated.")


class PoliceEvent(BaseModel):
    """The shape of data.police.uk `/{force}/{neighbourhood}/events` items."""

    contact_details: dict[str, str]
    description: str | None = Field(
        description="Always null: an activity's `notes` are internal and never published, and "
        "the log keeps no separate public description."
    )
    title: str
    address: str | None
    type: str
    start_date: str = Field(description="Local time, `YYYY-MM-DDTHH:MM:SS` as that API gives.")
    end_date: str | None


async def _list_body(request: Request, model: type[Foreign], max_items: int) -> list[Any]:
    body = await read_json(request)
    if not isinstance(body, list):
        raise invalid("body", "must be a JSON array, as data.police.uk answers", "list_type")
    if len(body) > max_items:
        raise invalid("body", f"at most {max_items} items", "too_long")
    adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
    try:
        return adapter.validate_python(body)
    except ValidationError as exc:
        raise errors.validation_problem(exc) from exc


async def _area_of(session: AsyncSession, force: str, neighbourhood: str) -> Area:
    area = (
        await session.execute(
            select(Area).where(
                Area.police_uk_force == force,  # type: ignore[arg-type]
                Area.police_uk_id == neighbourhood,  # type: ignore[arg-type]
            )
        )
    ).scalar_one_or_none()
    if area is None:
        raise errors.not_found(f"neighbourhood {neighbourhood!r} of", force)
    return area


def _code_for(district: str, neighbourhood_id: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_\-]+", "-", neighbourhood_id).strip("-").upper() or "N"
    return f"{district}-{slug}"[:40]


IMPORT_EXAMPLE = [
    {
        "id": "BC193",
        "name": "Easton and Lawrence Hill",
        "description": "<p>Inner-city neighbourhood in east Bristol.</p>",
        "contact_details": {"email": "easton.team@example.police.uk"},
        "centre": {"latitude": "51.4633", "longitude": "-2.5621"},
        "population": "0",
        "url_force": "https://example.police.uk/easton",
        "links": [],
        "locations": [],
    }
]


@router.post(
    "/{force}/neighbourhoods",
    response_model=ImportResult,
    summary="Import neighbourhoods (the shape of /{force}/neighbourhoods or /{force}/{id})",
    description="Creates an area per neighbourhood under `district` (code `<district>-<id>`), "
    "or updates the area already linked to that data.police.uk id.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": array_body_schema(PoliceNeighbourhood, MAX_NEIGHBOURHOODS),
                    "example": IMPORT_EXAMPLE,
                }
            },
        }
    },
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
    parent = await session.get(Area, district)
    if parent is None or parent.kind != AreaKind.district:
        raise invalid("query.district", f"no district {district!r}", "unknown_area")
    result = ImportResult(created=[], updated=[])
    now = utcnow()
    # Two queries for the whole import, whatever its size: the areas already linked to these
    # data.police.uk ids, and which of the codes new ones would take are already taken.
    linked = await repository.areas_by_police_uk_id(session, force, [i.id for i in items])
    taken = await repository.existing_area_codes(
        session, [_code_for(district, i.id) for i in items if i.id not in linked]
    )
    for item in items:
        area = linked.get(item.id)
        if area is None:
            code = _code_for(district, item.id)
            if code in taken:
                raise invalid(
                    "body", f"area {code} exists without this data.police.uk id", "conflict"
                )
            area = Area(
                code=code,
                kind=AreaKind.neighbourhood.value,
                parent_code=district,
                district_code=district,
                force_code=parent.force_code,
                police_uk_force=force,
                police_uk_id=item.id,
                name=item.name,
                created_at=now,
                updated_at=now,
                version=1,
                contact_details={},
                people=[],
                priorities=[],
            )
            session.add(area)
            linked[item.id] = area
            taken.add(code)
            result.created.append(code)
        else:
            area.version += 1
            area.updated_at = now
            result.updated.append(area.code)
        area.name = item.name
        if item.description is not None:
            area.description = item.description
        if item.contact_details:
            area.contact_details = item.contact_details
        if item.centre is not None:
            area.centre_latitude = item.centre.latitude
            area.centre_longitude = item.centre.longitude
        if item.population is not None:
            area.population = item.population
    await session.flush()
    return result


@router.post(
    "/{force}/{neighbourhood}/people",
    response_model=registries.AreaRead,
    summary="Replace a neighbourhood team (the shape of /{force}/{id}/people)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": array_body_schema(PolicePerson, MAX_ITEMS),
                    "example": [
                        {
                            "name": "Neighbourhood sergeant",
                            "rank": "Sergeant",
                            "bio": "<p>Leads the team.</p>",
                            "contact_details": {"email": "team@example.police.uk"},
                        }
                    ],
                }
            },
        }
    },
    responses=problem_responses(404),
)
async def import_people(
    force: Force,
    neighbourhood: NeighbourhoodId,
    request: Request,
    session: SessionDep,
    _: Writer,
) -> registries.AreaRead:
    people: list[PolicePerson] = await _list_body(request, PolicePerson, MAX_ITEMS)
    area = await _area_of(session, force, neighbourhood)
    area.people = [p.model_dump(exclude_none=True) for p in people]
    area.version += 1
    area.updated_at = utcnow()
    await session.flush()
    return registries.area_read(area)


@router.post(
    "/{force}/{neighbourhood}/priorities",
    response_model=registries.AreaRead,
    summary="Replace neighbourhood priorities (the shape of /{force}/{id}/priorities)",
    description="Accepts `issue-date`/`action-date` (data.police.uk) and `issue_date`/"
    "`action_date`; dates or `YYYY-MM-DDT00:00:00` times.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": array_body_schema(PolicePriority, MAX_ITEMS),
                    "example": [
                        {
                            "issue": "<p>Anti-social behaviour in the park</p>",
                            "issue-date": "2022-07-01T00:00:00",
                            "action": "<p>Extra patrols; youth diversion sessions.</p>",
                            "action-date": "2022-08-15T00:00:00",
                        }
                    ],
                }
            },
        }
    },
    responses=problem_responses(404),
)
async def import_priorities(
    force: Force,
    neighbourhood: NeighbourhoodId,
    request: Request,
    session: SessionDep,
    _: Writer,
) -> registries.AreaRead:
    priorities: list[PolicePriority] = await _list_body(request, PolicePriority, MAX_ITEMS)
    area = await _area_of(session, force, neighbourhood)
    area.priorities = [
        registries.Priority(
            issue=p.issue, issue_date=p.issue_date, action=p.action, action_date=p.action_date
        ).model_dump(mode="json", exclude_none=True)
        for p in priorities
    ]
    area.version += 1
    area.updated_at = utcnow()
    await session.flush()
    return registries.area_read(area)


@router.get(
    "/{force}/{neighbourhood}/events",
    response_model=list[PoliceEvent],
    summary="Upcoming planned public events (the shape of /{force}/{id}/events)",
    responses=problem_responses(404),
)
async def events(
    force: Force, neighbourhood: NeighbourhoodId, session: SessionDep, _: Reader
) -> list[PoliceEvent]:
    area = await _area_of(session, force, neighbourhood)
    # Only what is public is read: titles, venues, types and times (never the internal notes).
    c = repository.ACTIVITY.c
    rows = (
        await session.execute(
            select(c.title, c.venue, c.activity_type, c.starts_at, c.ends_at)
            .where(
                c.area_code == area.code,
                c.status == "planned",
                c.deleted_at.is_(None),
                c.starts_at >= datetime.now(UTC),
                c.activity_type.in_(sorted(t.value for t in PUBLIC_EVENT_TYPES)),
            )
            .order_by(c.starts_at, c.id)
            .limit(500)
        )
    ).all()

    def local(moment: datetime | None) -> str | None:
        if moment is None:
            return None
        return moment.astimezone(LONDON).replace(tzinfo=None).isoformat(timespec="seconds")

    return [
        PoliceEvent(
            contact_details=area.contact_details or {},
            description=None,
            title=a.title,
            address=a.venue,
            type=a.activity_type.replace("_", " "),
            start_date=local(a.starts_at) or "",
            end_date=local(a.ends_at),
        )
        for a in rows
    ]
