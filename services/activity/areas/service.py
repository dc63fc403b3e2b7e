"""Rules of the areas registry: the force -> district -> neighbourhood hierarchy, what an
activity may be logged against, and what follows an area that moves."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.activity import errors, versioned
from services.activity.activities import history
from services.activity.areas import repository
from services.activity.areas.models import Area
from services.activity.areas.schemas import AreaFields, AreaIn, AreaRead, Centre, Person, Priority
from services.activity.districts import get_registry_record
from services.activity.police_uk.service import completeness
from shared.auth import Principal
from shared.contracts.taxonomy import AreaKind
from shared.db import utcnow
from shared.problems import invalid

# The kinds of area an activity may be logged against (`loggable_district`); the one-statement
# insert of an activity (`activities.repository`) filters on the same tuple.
LOGGABLE_KINDS = (AreaKind.neighbourhood, AreaKind.district)


def loggable_district(kind_district: tuple[str, str] | None, code: str, field: str) -> str:
    """The rule of what an activity may be logged against: a known neighbourhood or district
    (never a force); the activity's district is that area's. Refused naming `field`."""
    if kind_district is None:
        raise invalid(field, f"unknown area {code!r} (see GET /api/v1/areas)", "unknown_area")
    kind, district = kind_district
    if kind not in LOGGABLE_KINDS or not district:
        raise invalid(field, "log against a neighbourhood or a district, not a force", "area_kind")
    return district


def area_read(area: Area) -> AreaRead:
    centre = None
    if area.centre_latitude is not None and area.centre_longitude is not None:
        centre = Centre(latitude=area.centre_latitude, longitude=area.centre_longitude)
    return AreaRead(
        code=area.code,
        name=area.name,
        kind=AreaKind(area.kind),
        parent=area.parent_code,
        district=area.district_code,
        force=area.force_code,
        police_uk_force=area.police_uk_force,
        police_uk_id=area.police_uk_id,
        description=area.description,
        centre=centre,
        population=area.population,
        contact_details=area.contact_details or {},
        people=[Person.model_validate(p) for p in area.people or []],
        priorities=[Priority.model_validate(p) for p in area.priorities or []],
        completeness=completeness(area),
        version=area.version,
        created_at=area.created_at,
        updated_at=area.updated_at,
    )


def area_fields_of(area: Area) -> dict[str, Any]:
    """The area's editable fields as JSON: what a merge patch applies to."""
    return area_read(area).model_dump(
        mode="json", include=set(AreaFields.model_fields), exclude_none=True
    )


async def known_area(session: AsyncSession, code: str | None, field: str = "body.area") -> Area:
    """A registry record's area: any registered area (unlike an activity's)."""
    area = await repository.get_area(session, code) if code else None
    if area is None:
        raise invalid(field, f"unknown area {code!r}", "unknown_area")
    return area


async def hierarchy_of(
    session: AsyncSession, kind: AreaKind, parent_code: str | None, field: str = "body.parent"
) -> tuple[str | None, str | None]:
    """(district, force) of an area of `kind` under `parent_code`; refuses a wrong parent."""
    parent = await repository.get_area(session, parent_code) if parent_code else None
    if parent_code and parent is None:
        raise invalid(field, f"unknown area {parent_code!r}", "unknown_area")
    if kind is AreaKind.force:
        if parent is not None:
            raise invalid(field, "a force has no parent")
        return None, None
    if kind is AreaKind.district:
        if parent is not None and parent.kind != AreaKind.force:
            raise invalid(field, "a district's parent must be a force")
        return None, parent.code if parent else None
    if parent is None or parent.kind != AreaKind.district:
        raise invalid(field, "a neighbourhood's parent must be a district", "missing")
    return parent.code, parent.force_code


def area_values(fields: AreaFields, district: str | None, force: str | None) -> dict[str, Any]:
    return {
        "name": fields.name,
        "kind": fields.kind.value,
        "parent_code": fields.parent,
        "district_code": district,
        "force_code": force,
        "police_uk_force": fields.police_uk_force,
        "police_uk_id": fields.police_uk_id,
        "description": fields.description,
        "centre_latitude": fields.centre.latitude if fields.centre else None,
        "centre_longitude": fields.centre.longitude if fields.centre else None,
        "population": fields.population,
        "contact_details": fields.contact_details,
        "people": [p.model_dump(mode="json", exclude_none=True) for p in fields.people],
        "priorities": [p.model_dump(mode="json", exclude_none=True) for p in fields.priorities],
    }


def registered_as(area: Area, payload: AreaIn) -> bool:
    """The stored area says what `payload` says (a resend of the same registration)."""
    values = area_values(payload, area.district_code, area.force_code)
    return all(getattr(area, name) == value for name, value in values.items())


async def _police_uk_clash(session: AsyncSession, fields: AreaFields, code: str) -> None:
    if fields.police_uk_id is None:
        return
    other = await repository.police_uk_holder(
        session, fields.police_uk_force, fields.police_uk_id, code
    )
    if other is not None:
        raise invalid("body.police_uk_id", f"already used by area {other}", "police_uk_id_taken")


async def register_area(session: AsyncSession, payload: AreaIn) -> tuple[Area, bool]:
    """The area registered as sent, and whether it already was (a replay: nothing changed)."""
    existing = await repository.get_area(session, payload.code)
    if existing is not None and registered_as(existing, payload):
        return existing, True
    return await create_area(session, payload), False


async def create_area(session: AsyncSession, payload: AreaIn) -> Area:
    if await repository.get_area(session, payload.code) is not None:
        raise errors.already_exists("Area", payload.code)
    district, force = await hierarchy_of(session, payload.kind, payload.parent)
    if payload.kind is AreaKind.district:
        district = payload.code
    await _police_uk_clash(session, payload, payload.code)
    area = Area(
        code=payload.code,
        **versioned.new_version_stamp(),
        **area_values(payload, district, force),
    )
    session.add(area)
    await session.flush()
    return area


async def get_area(session: AsyncSession, code: str, districts: frozenset[str] | None) -> Area:
    area: Area | None = await get_registry_record(session, Area, code, districts)
    if area is None:
        raise errors.not_found("area", code)
    return area


async def amend_area(
    session: AsyncSession,
    code: str,
    patch: dict[str, Any],
    *,
    if_match: str | None,
    principal: Principal,
) -> Area:
    area: Area | None = await get_registry_record(
        session, Area, code, principal.districts, for_update=True
    )
    if area is None:
        raise errors.not_found("area", code)
    # A patch refused anyway is a 422 whatever its If-Match (RFC 9110, 13.2.1).
    fields = versioned.patched(AreaFields, area_fields_of(area), patch)
    versioned.check_unchanged(if_match, area.version, "area")
    return await update_area(session, area, fields, principal)


async def update_area(
    session: AsyncSession, area: Area, fields: AreaFields, principal: Principal
) -> Area:
    if fields.kind.value != area.kind:
        raise invalid("body.kind", "the kind of an area cannot change")
    district, force = await hierarchy_of(session, fields.kind, fields.parent)
    if fields.kind is AreaKind.district:
        district = area.code
    await _police_uk_clash(session, fields, area.code)
    moved_district = district is not None and district != area.district_code
    moved_force = force != area.force_code
    for key, value in area_values(fields, district, force).items():
        setattr(area, key, value)
    versioned.bump(area)
    await session.flush()
    # Codes derived from the area's place follow it, in the same transaction.
    if moved_district and district is not None:
        now = utcnow()
        moved = await repository.set_district_of_area(session, area.code, district, now)
        await history.record(
            session,
            *(
                history.entry(
                    activity_id,
                    version,
                    "area_moved",
                    principal,
                    now,
                    {"district": {"old": old_district, "new": district}},
                    comment=f"area {area.code} moved to district {district}",
                )
                for activity_id, version, old_district in moved
            ),
        )
    if moved_force:
        await repository.set_force_under_area(session, area.code, force)
    return area
