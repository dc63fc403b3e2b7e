"""Writes of the police.uk domain: imports in data.police.uk's shapes, and the author's
choice to publish a planned activity as a public event."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.activity import errors
from services.activity.areas import repository as areas_repository
from services.activity.areas.models import Area
from services.activity.areas.schemas import Priority
from services.activity.police_uk import repository
from services.activity.police_uk.boundaries import bounding_box
from services.activity.police_uk.models import PoliceUkEvent, PoliceUkForce, PoliceUkNeighbourhood
from services.activity.police_uk.schemas import (
    ImportResult,
    PoliceForceIn,
    PoliceNeighbourhood,
    PolicePerson,
    PolicePriority,
    PublicationIn,
)
from shared.auth import Principal
from shared.contracts.taxonomy import PUBLIC_EVENT_TYPES, AreaKind
from shared.db import utcnow
from shared.problems import ProblemError, invalid


def code_for(district: str, neighbourhood_id: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_\-]+", "-", neighbourhood_id).strip("-").upper() or "N"
    return f"{district}-{slug}"[:40]


def _touch(area: Area) -> None:
    area.version += 1
    area.updated_at = utcnow()


async def area_of(
    session: AsyncSession,
    force: str,
    neighbourhood: str,
    *,
    for_update: bool = False,
    districts: frozenset[str] | None = None,
) -> tuple[Area, PoliceUkNeighbourhood | None]:
    """The neighbourhood; a 404 when unknown or, for a caller limited to `districts`, of
    another district (`repository.in_districts`)."""
    found = await repository.area_of(
        session, force, neighbourhood, for_update=for_update, districts=districts
    )
    if found is None:
        raise errors.not_found(f"neighbourhood {neighbourhood!r} of", force)
    return found


def _extra_for(
    session: AsyncSession, area: Area, extra: PoliceUkNeighbourhood | None
) -> PoliceUkNeighbourhood:
    if extra is None:
        extra = PoliceUkNeighbourhood(area_code=area.code, links=[], locations=[])
        session.add(extra)
    extra.updated_at = utcnow()
    return extra


async def import_neighbourhoods(
    session: AsyncSession, force: str, district: str, items: list[PoliceNeighbourhood]
) -> ImportResult:
    parent = await session.get(Area, district)
    if parent is None or parent.kind != AreaKind.district:
        raise invalid("query.district", f"no district {district!r}", "unknown_area")
    result = ImportResult(created=[], updated=[])
    now = utcnow()
    # A fixed number of queries for the whole import, whatever its size: the areas already
    # linked to these ids, which codes new ones would take are taken, and their extras.
    linked = await areas_repository.areas_by_police_uk_id(session, force, [i.id for i in items])
    taken = await areas_repository.existing_area_codes(
        session, [code_for(district, i.id) for i in items if i.id not in linked]
    )
    extras = await repository.extras(session, [a.code for a in linked.values()])
    for item in items:
        area = linked.get(item.id)
        if area is None:
            code = code_for(district, item.id)
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
            _touch(area)
            result.updated.append(area.code)
        _apply_neighbourhood(session, area, item, extras)
    await session.flush()
    return result


def _apply_neighbourhood(
    session: AsyncSession,
    area: Area,
    item: PoliceNeighbourhood,
    extras: dict[str, PoliceUkNeighbourhood],
) -> None:
    """Only the fields the item carries: the `{id, name}` summary list never wipes details."""
    given = item.model_fields_set
    area.name = item.name
    if "description" in given:
        area.description = item.description
    if "contact_details" in given:
        area.contact_details = dict(item.contact_details)
    if "centre" in given:
        area.centre_latitude = item.centre.latitude if item.centre else None
        area.centre_longitude = item.centre.longitude if item.centre else None
    if "population" in given:
        area.population = item.population
    if given & {"url_force", "links", "locations"}:
        extra = extras[area.code] = _extra_for(session, area, extras.get(area.code))
        if "url_force" in given:
            extra.url_force = item.url_force or None
        if "links" in given:
            extra.links = [link.model_dump() for link in item.links]
        if "locations" in given:
            extra.locations = [place.model_dump() for place in item.locations]


async def replace_team(
    session: AsyncSession, force: str, neighbourhood: str, people: list[PolicePerson]
) -> Area:
    area, _ = await area_of(session, force, neighbourhood, for_update=True)
    area.people = [p.model_dump(exclude_none=True) for p in people]
    _touch(area)
    await session.flush()
    return area


async def replace_priorities(
    session: AsyncSession, force: str, neighbourhood: str, priorities: list[PolicePriority]
) -> Area:
    area, _ = await area_of(session, force, neighbourhood, for_update=True)
    area.priorities = [
        Priority(
            issue=p.issue, issue_date=p.issue_date, action=p.action, action_date=p.action_date
        ).model_dump(mode="json", exclude_none=True)
        for p in priorities
    ]
    _touch(area)
    await session.flush()
    return area


async def put_boundary(
    session: AsyncSession, force: str, neighbourhood: str, geometry: dict[str, Any]
) -> PoliceUkNeighbourhood:
    area, extra = await area_of(session, force, neighbourhood, for_update=True)
    extra = _extra_for(session, area, extra)
    extra.boundary = geometry
    (
        extra.min_latitude,
        extra.max_latitude,
        extra.min_longitude,
        extra.max_longitude,
    ) = bounding_box(geometry)
    await session.flush()
    return extra


async def put_force(
    session: AsyncSession, force_id: str, body: PoliceForceIn
) -> tuple[PoliceUkForce, bool]:
    if body.id is not None and body.id != force_id:
        raise invalid("body.id", f"must be the force in the path, {force_id!r}", "mismatch")
    now = utcnow()
    record = await repository.force(session, force_id, for_update=True)
    created = record is None
    if record is None:
        record = PoliceUkForce(id=force_id, name=body.name, created_at=now, version=0)
        session.add(record)
    record.name = body.name
    record.description = body.description
    record.url = body.url
    record.telephone = body.telephone
    record.engagement_methods = [m.model_dump() for m in body.engagement_methods]
    record.version += 1
    record.updated_at = now
    await session.flush()
    return record, created


async def put_senior_officers(
    session: AsyncSession, force_id: str, people: list[PolicePerson]
) -> PoliceUkForce:
    record = await repository.force(session, force_id, for_update=True)
    if record is None:
        raise errors.not_found("force", force_id)
    record.senior_officers = [
        p.model_dump(exclude_none=True, exclude={"photo_url"}) for p in people
    ]
    record.version += 1
    record.updated_at = utcnow()
    await session.flush()
    return record


def _may_publish(principal: Principal, logged_by: str) -> None:
    # Publishing is the author's call (or a reviewer's, who answers for what is logged).
    if principal.key_id != logged_by and not principal.allows("activity:review"):
        raise ProblemError(
            403, "Only the activity's author (or a reviewer) may publish or withdraw it."
        )


async def _publishable(session: AsyncSession, activity_id: uuid.UUID, principal: Principal) -> Any:
    row = await repository.activity_row(session, activity_id)
    if row is None or row.deleted_at is not None:
        raise errors.activity_not_found(activity_id)
    _may_publish(principal, row.logged_by)
    return row


async def publish(
    session: AsyncSession, activity_id: uuid.UUID, payload: PublicationIn, principal: Principal
) -> PoliceUkEvent:
    row = await _publishable(session, activity_id, principal)
    if row.status != "planned":
        raise invalid("activity", "only a planned activity is published as an event", "status")
    if row.activity_type not in {t.value for t in PUBLIC_EVENT_TYPES}:
        raise invalid(
            "activity",
            f"a {row.activity_type} is not a public event type (see taxonomy public_event_types)",
            "not_public_type",
        )
    now = utcnow()
    record = await repository.publication(session, activity_id, for_update=True)
    if record is None:
        record = PoliceUkEvent(
            activity_id=activity_id,
            public=True,
            published_by=principal.key_id,
            published_at=now,
            updated_at=now,
        )
        session.add(record)
    elif not record.public:
        record.published_at = now
    record.public = True
    record.description = payload.description
    record.published_by = principal.key_id
    record.updated_at = now
    await session.flush()
    return record


async def withdraw(session: AsyncSession, activity_id: uuid.UUID, principal: Principal) -> None:
    await _publishable(session, activity_id, principal)
    record = await repository.publication(session, activity_id, for_update=True)
    if record is None or not record.public:
        raise errors.not_found("published event for activity", activity_id)
    record.public = False
    record.updated_at = utcnow()
    await session.flush()
