"""Registries of the activity service: areas, community groups, plans, volunteer hours.

Each has list / create / get / update (a JSON merge patch). The rules that tie them to the log
(an activity's district comes from its area; a plan's activities are those with its `plan_id`)
live here too.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.activity import errors, repository, service
from services.activity.bodies import merge_patch, read_json_object
from services.activity.models import Area, CommunityGroup, Plan, VolunteerHours

# Beat-profile completeness is computed from what the police.uk API publishes (one rule,
# there); re-exported here, where the area records and the KPI counts have always found it.
from services.activity.police_uk.schemas import Completeness
from services.activity.police_uk.service import completeness
from services.activity.schemas import AreaCode, Count, LongText, ShortText, StrictModel
from shared.auth import Principal, require_scope
from shared.bounds import PlausibleDate
from shared.contracts.taxonomy import AreaKind, GroupType, PlanKind, VolunteerRole
from shared.db import SessionDep, utcnow
from shared.openapi import merge_patch_body
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, CursorPage, decode_cursor, encode_cursor
from shared.problems import invalid, problem_responses

router = APIRouter()

Reader = Annotated[Principal, Depends(require_scope("activity:read"))]
Writer = Annotated[Principal, Depends(require_scope("activity:write"))]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=500)]

ContactKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_\-]{0,39}$")]
ContactValue = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
MonthText = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]

M = TypeVar("M", bound=BaseModel)


# Optional on registries (their clients are few and set up by hand), required on activities.
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        min_length=1,
        max_length=200,
        description="Optional: the ETag last read. If the record changed since, 412 and nothing "
        "changes. Without it the change applies to whatever is current.",
    ),
]


def check_unchanged(if_match: str | None, version: int, what: str) -> None:
    current = service.version_etag(version)
    if if_match is not None and if_match.strip() and not service.etag_offered(if_match, current):
        raise errors.stale_etag(current, what)


def parse(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise errors.validation_problem(exc) from exc


# --- areas ---------------------------------------------------------------------------------


class Centre(StrictModel):
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False, strict=True)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False, strict=True)


class Person(StrictModel):
    """A member of the neighbourhood team (the shape of data.police.uk's `people`)."""

    name: ShortText
    rank: ShortText | None = None
    bio: LongText | None = None
    photo_url: Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://")] | None = (
        None
    )
    contact_details: dict[ContactKey, ContactValue] = Field(default_factory=dict, max_length=30)


class Priority(StrictModel):
    """A neighbourhood priority (the shape of data.police.uk's `priorities`)."""

    issue: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    issue_date: PlausibleDate | None = None
    action: LongText | None = None
    action_date: PlausibleDate | None = None


class AreaFields(StrictModel):
    name: ShortText
    kind: AreaKind
    parent: AreaCode | None = Field(
        default=None,
        description="A district's force, or a neighbourhood's district (required for one).",
    )
    police_uk_force: ShortText | None = Field(default=None, description="e.g. `avon-and-somerset`")
    police_uk_id: ShortText | None = Field(default=None, description="data.police.uk id.")
    description: LongText | None = None
    centre: Centre | None = None
    population: Count | None = None
    contact_details: dict[ContactKey, ContactValue] = Field(default_factory=dict, max_length=30)
    people: list[Person] = Field(default_factory=list, max_length=100)
    priorities: list[Priority] = Field(default_factory=list, max_length=100)


class AreaIn(AreaFields):
    code: AreaCode

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # A neighbourhood of the demo store's district BRS (`make run`); sending it again
            # is a replay (200, nothing changed).
            "examples": [
                {
                    "code": "BRS-EASTON",
                    "name": "Easton and Lawrence Hill",
                    "kind": "neighbourhood",
                    "parent": "BRS",
                    "police_uk_force": "avon-and-somerset",
                    "police_uk_id": "BC193",
                    "contact_details": {"email": "easton.team@example.police.uk"},
                    "people": [
                        {
                            "name": "Neighbourhood sergeant",
                            "rank": "Sergeant",
                            "photo_url": "https://example.police.uk/photos/team-1.jpg",
                        }
                    ],
                    "priorities": [
                        {
                            "issue": "Drug dealing around the park",
                            "issue_date": "2022-07-01",
                            "action": "Weekly targeted patrols and a closure order.",
                            "action_date": "2022-08-15",
                        }
                    ],
                },
            ]
        },
    )


class AreaRead(BaseModel):
    code: str
    name: str
    kind: AreaKind
    parent: str | None
    district: str | None
    force: str | None
    police_uk_force: str | None
    police_uk_id: str | None
    description: str | None
    centre: Centre | None
    population: int | None
    contact_details: dict[str, str]
    people: list[Person]
    priorities: list[Priority]
    completeness: Completeness
    version: int
    created_at: datetime
    updated_at: datetime


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
    return area_read(area).model_dump(
        mode="json",
        include=set(AreaFields.model_fields),
        exclude_none=True,
    )


async def get_area(session: AsyncSession, code: str, *, for_update: bool = False) -> Area | None:
    return await session.get(Area, code, with_for_update=for_update)


async def hierarchy_of(
    session: AsyncSession, kind: AreaKind, parent_code: str | None, field: str = "body.parent"
) -> tuple[str | None, str | None]:
    """(district, force) of an area of `kind` under `parent_code`; refuses a wrong parent."""
    parent = await get_area(session, parent_code) if parent_code else None
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


def _registered_as(area: Area, payload: AreaIn) -> bool:
    """The stored area says what `payload` says (a resend of the same registration)."""
    values = area_values(payload, area.district_code, area.force_code)
    return all(getattr(area, name) == value for name, value in values.items())


async def _police_uk_clash(session: AsyncSession, fields: AreaFields, code: str) -> None:
    if fields.police_uk_id is None:
        return
    other = (
        await session.execute(
            select(Area.code).where(
                Area.police_uk_force == fields.police_uk_force,  # type: ignore[arg-type]
                Area.police_uk_id == fields.police_uk_id,  # type: ignore[arg-type]
                Area.code != code,  # type: ignore[arg-type]
            )
        )
    ).scalar_one_or_none()
    if other is not None:
        raise invalid("body.police_uk_id", f"already used by area {other}", "police_uk_id_taken")


async def create_area(session: AsyncSession, payload: AreaIn) -> Area:
    if await get_area(session, payload.code) is not None:
        raise errors.already_exists("Area", payload.code)
    district, force = await hierarchy_of(session, payload.kind, payload.parent)
    if payload.kind is AreaKind.district:
        district = payload.code
    await _police_uk_clash(session, payload, payload.code)
    now = utcnow()
    area = Area(
        code=payload.code,
        created_at=now,
        updated_at=now,
        version=1,
        **area_values(payload, district, force),
    )
    session.add(area)
    await session.flush()
    return area


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
    area.version += 1
    area.updated_at = utcnow()
    await session.flush()
    # Codes derived from the area's place follow it, in the same transaction.
    if moved_district and district is not None:
        now = utcnow()
        moved = await repository.set_district_of_area(session, area.code, district, now)
        await repository.add_history(
            session,
            *(
                service.history_entry(
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
    stmt = select(Area).where(*repository.registry_in_districts(Area, principal.districts))
    if kind is not None:
        stmt = stmt.where(Area.kind == kind.value)  # type: ignore[arg-type]
    if parent is not None:
        stmt = stmt.where(Area.parent_code == parent)  # type: ignore[arg-type]
    if district is not None:
        stmt = stmt.where(Area.district_code == district)  # type: ignore[arg-type]
    if cursor is not None:
        (after,) = decode_cursor(cursor, size=1)
        stmt = stmt.where(Area.code > str(after))  # type: ignore[arg-type]
    rows = list((await session.execute(stmt.order_by(Area.code).limit(limit + 1))).scalars())
    next_cursor = encode_cursor([rows[limit - 1].code]) if len(rows) > limit else None
    return CursorPage(
        items=[area_read(a) for a in rows[:limit]], limit=limit, next_cursor=next_cursor
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
    existing = await get_area(session, payload.code)
    if existing is not None and _registered_as(existing, payload):
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
        response.headers["ETag"] = service.version_etag(existing.version)
        return area_read(existing)
    area = await create_area(session, payload)
    response.headers["Location"] = f"/api/v1/areas/{area.code}"
    response.headers["ETag"] = service.version_etag(area.version)
    return area_read(area)


@router.get(
    "/areas/{code}", response_model=AreaRead, tags=["areas"], responses=problem_responses(404)
)
async def get_area_endpoint(
    code: str, session: SessionDep, principal: Reader, response: Response
) -> AreaRead:
    area = await repository.get_registry_record(session, Area, code, principal.districts)
    if area is None:
        raise errors.not_found("area", code)
    response.headers["ETag"] = service.version_etag(area.version)
    return area_read(area)


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
    if_match: IfMatch = None,
) -> AreaRead:
    patch = await read_json_object(request)
    area = await repository.get_registry_record(
        session, Area, code, principal.districts, for_update=True
    )
    if area is None:
        raise errors.not_found("area", code)
    # A patch refused anyway is a 422 whatever its If-Match (RFC 9110, 13.2.1).
    fields = parse(AreaFields, merge_patch(area_fields_of(area), patch))
    check_unchanged(if_match, area.version, "area")
    area = await update_area(session, area, fields, principal)
    response.headers["ETag"] = service.version_etag(area.version)
    return area_read(area)


# --- community groups ----------------------------------------------------------------------


class GroupFields(StrictModel):
    name: ShortText
    group_type: GroupType
    area: AreaCode | None = None
    active: bool = Field(default=True, strict=True)
    active_from: PlausibleDate | None = None
    active_to: PlausibleDate | None = None
    members: Count | None = None
    contact: ShortText | None = None
    notes: LongText | None = None

    @classmethod
    def _dates(cls, data: GroupFields) -> None:
        if data.active_from and data.active_to and data.active_to < data.active_from:
            raise invalid("body.active_to", "must not be before active_from")


class GroupIn(GroupFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Easton Community Speedwatch",
                    "group_type": "community_speedwatch",
                    "area": "BRS-01",
                    "active": True,
                    "active_from": "2021-04-01",
                    "members": 9,
                }
            ]
        },
    )


class GroupRead(GroupFields):
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime


def group_read(group: CommunityGroup) -> GroupRead:
    return GroupRead(
        id=group.id,
        name=group.name,
        group_type=GroupType(group.group_type),
        area=group.area_code,
        active=group.active,
        active_from=group.active_from,
        active_to=group.active_to,
        members=group.members,
        contact=group.contact,
        notes=group.notes,
        version=group.version,
        created_at=group.created_at,
        updated_at=group.updated_at,
    )


async def _check_area(session: AsyncSession, code: str | None, field: str = "body.area") -> Area:
    area = await get_area(session, code) if code else None
    if area is None:
        raise invalid(field, f"unknown area {code!r}", "unknown_area")
    return area


async def _apply_group(session: AsyncSession, group: CommunityGroup, fields: GroupFields) -> None:
    GroupFields._dates(fields)
    if fields.area is not None:
        await _check_area(session, fields.area)
    group.name = fields.name
    group.group_type = fields.group_type.value
    group.area_code = fields.area
    group.active = fields.active
    group.active_from = fields.active_from
    group.active_to = fields.active_to
    group.members = fields.members
    group.contact = fields.contact
    group.notes = fields.notes


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
    stmt = select(CommunityGroup).where(
        *repository.registry_in_districts(CommunityGroup, principal.districts)
    )
    if group_type is not None:
        stmt = stmt.where(CommunityGroup.group_type == group_type.value)  # type: ignore[arg-type]
    if area is not None:
        stmt = stmt.where(CommunityGroup.area_code == area)  # type: ignore[arg-type]
    if active is not None:
        stmt = stmt.where(CommunityGroup.active == active)  # type: ignore[arg-type]
    return await _id_page(session, stmt, CommunityGroup, cursor, limit, group_read)


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
    now = utcnow()
    group = CommunityGroup(
        id=uuid.uuid4(),
        version=1,
        created_at=now,
        updated_at=now,
        name="",
        group_type="",
        active=True,
    )
    await _apply_group(session, group, payload)
    session.add(group)
    await session.flush()
    response.headers["Location"] = f"/api/v1/community-groups/{group.id}"
    response.headers["ETag"] = service.version_etag(group.version)
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
    group = await repository.get_registry_record(
        session, CommunityGroup, group_id, principal.districts
    )
    if group is None:
        raise errors.not_found("community group", group_id)
    response.headers["ETag"] = service.version_etag(group.version)
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
    if_match: IfMatch = None,
) -> GroupRead:
    patch = await read_json_object(request)
    group = await repository.get_registry_record(
        session, CommunityGroup, group_id, principal.districts, for_update=True
    )
    if group is None:
        raise errors.not_found("community group", group_id)
    current = group_read(group).model_dump(mode="json", include=set(GroupFields.model_fields))
    fields = parse(GroupFields, merge_patch(current, patch))
    check_unchanged(if_match, group.version, "community group")
    await _apply_group(session, group, fields)
    group.version += 1
    group.updated_at = utcnow()
    await session.flush()
    response.headers["ETag"] = service.version_etag(group.version)
    return group_read(group)


# --- plans ---------------------------------------------------------------------------------


class PlanFields(StrictModel):
    kind: PlanKind
    title: ShortText
    parent_id: uuid.UUID | None = Field(
        default=None, description="A local engagement plan's strategy."
    )
    area: AreaCode | None = Field(default=None, description="Where a local plan applies.")
    owner: ShortText | None = None
    starts_on: PlausibleDate
    ends_on: PlausibleDate
    objectives: list[ShortText] = Field(default_factory=list, max_length=50)
    notes: LongText | None = None


class PlanIn(PlanFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "strategy",
                    "title": "Neighbourhood community engagement strategy 2022-25",
                    "owner": "Thematic lead for engagement",
                    "starts_on": "2022-04-01",
                    "ends_on": "2025-03-31",
                    "objectives": ["Inform", "Consult", "Co-operate"],
                }
            ]
        },
    )


class PlanActivityCounts(BaseModel):
    planned: int = 0
    completed: int = 0
    cancelled: int = 0


class PlanRead(PlanFields):
    id: uuid.UUID
    activities: PlanActivityCounts
    version: int
    created_at: datetime
    updated_at: datetime


async def plan_reads(session: AsyncSession, plans: list[Plan]) -> list[PlanRead]:
    """Plans with their activity counts: one grouped query for the lot, not one per plan."""
    counts = await repository.plan_activity_counts(session, [p.id for p in plans])
    return [plan_read(p, counts[p.id]) for p in plans]


async def plan_read_one(session: AsyncSession, plan: Plan) -> PlanRead:
    return (await plan_reads(session, [plan]))[0]


def plan_read(plan: Plan, counts: dict[str, int]) -> PlanRead:
    return PlanRead(
        id=plan.id,
        kind=PlanKind(plan.kind),
        title=plan.title,
        parent_id=plan.parent_id,
        area=plan.area_code,
        owner=plan.owner,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        objectives=plan.objectives,
        notes=plan.notes,
        activities=PlanActivityCounts(**counts),
        version=plan.version,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )


async def _apply_plan(session: AsyncSession, plan: Plan, fields: PlanFields) -> None:
    if fields.ends_on < fields.starts_on:
        raise invalid("body.ends_on", "must not be before starts_on")
    if fields.kind is PlanKind.local_engagement_plan:
        if fields.parent_id is None:
            raise invalid(
                "body.parent_id", "a local engagement plan delivers a strategy", "missing"
            )
        parent = await session.get(Plan, fields.parent_id)
        if parent is None or parent.kind != PlanKind.strategy:
            raise invalid("body.parent_id", "no strategy with this id", "unknown_plan")
    elif fields.parent_id is not None:
        raise invalid("body.parent_id", "a strategy has no parent")
    if fields.area is not None:
        await _check_area(session, fields.area)
    plan.kind = fields.kind.value
    plan.title = fields.title
    plan.parent_id = fields.parent_id
    plan.area_code = fields.area
    plan.owner = fields.owner
    plan.starts_on = fields.starts_on
    plan.ends_on = fields.ends_on
    plan.objectives = list(fields.objectives)
    plan.notes = fields.notes


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
    stmt = select(Plan).where(*repository.registry_in_districts(Plan, principal.districts))
    if kind is not None:
        stmt = stmt.where(Plan.kind == kind.value)  # type: ignore[arg-type]
    if parent_id is not None:
        stmt = stmt.where(Plan.parent_id == parent_id)  # type: ignore[arg-type]
    if area is not None:
        stmt = stmt.where(Plan.area_code == area)  # type: ignore[arg-type]
    page = await _id_page(session, stmt, Plan, cursor, limit, lambda p: p)
    return CursorPage(
        items=await plan_reads(session, page.items),
        limit=limit,
        next_cursor=page.next_cursor,
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
    now = utcnow()
    plan = Plan(
        id=uuid.uuid4(),
        version=1,
        created_at=now,
        updated_at=now,
        kind="",
        title="",
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    await _apply_plan(session, plan, payload)
    session.add(plan)
    await session.flush()
    response.headers["Location"] = f"/api/v1/plans/{plan.id}"
    response.headers["ETag"] = service.version_etag(plan.version)
    return plan_read(plan, {})  # a new plan: no activity delivers it yet


@router.get(
    "/plans/{plan_id}", response_model=PlanRead, tags=["plans"], responses=problem_responses(404)
)
async def get_plan(
    plan_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> PlanRead:
    plan = await repository.get_registry_record(session, Plan, plan_id, principal.districts)
    if plan is None:
        raise errors.not_found("plan", plan_id)
    response.headers["ETag"] = service.version_etag(plan.version)
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
    if_match: IfMatch = None,
) -> PlanRead:
    patch = await read_json_object(request)
    plan = await repository.get_registry_record(
        session, Plan, plan_id, principal.districts, for_update=True
    )
    if plan is None:
        raise errors.not_found("plan", plan_id)
    current = plan_read(plan, {}).model_dump(mode="json", include=set(PlanFields.model_fields))
    fields = parse(PlanFields, merge_patch(current, patch))
    check_unchanged(if_match, plan.version, "plan")
    if fields.parent_id == plan.id:
        raise invalid("body.parent_id", "a plan cannot be its own parent")
    await _apply_plan(session, plan, fields)
    plan.version += 1
    plan.updated_at = utcnow()
    await session.flush()
    response.headers["ETag"] = service.version_etag(plan.version)
    return await plan_read_one(session, plan)


# --- volunteer hours -----------------------------------------------------------------------


class HoursFields(StrictModel):
    role: VolunteerRole
    month: MonthText = Field(description="Calendar month, `2022-09`.")
    area: AreaCode | None = Field(default=None, description="Omit for force-wide hours.")
    volunteers: Count = 0
    hours: float = Field(ge=0, le=1_000_000, allow_inf_nan=False, strict=True)
    notes: LongText | None = None


class HoursIn(HoursFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "role": "special_constable",
                    "month": "2022-09",
                    "area": "BRS",
                    "volunteers": 42,
                    "hours": 1630.5,
                }
            ]
        },
    )


class HoursRead(HoursFields):
    id: uuid.UUID
    district: str | None
    version: int
    created_at: datetime
    updated_at: datetime


def month_number(text: str) -> int:
    year, month = text.split("-")
    return int(year) * 100 + int(month)


def hours_read(row: VolunteerHours) -> HoursRead:
    return HoursRead(
        id=row.id,
        role=VolunteerRole(row.role),
        month=f"{row.local_month // 100:04d}-{row.local_month % 100:02d}",
        area=row.area_code,
        volunteers=row.volunteers,
        hours=row.hours,
        notes=row.notes,
        district=row.district_code,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _apply_hours(session: AsyncSession, row: VolunteerHours, fields: HoursFields) -> None:
    district = None
    if fields.area is not None:
        area = await _check_area(session, fields.area)
        district = area.district_code
    row.role = fields.role.value
    row.local_month = month_number(fields.month)
    row.area_code = fields.area
    row.district_code = district
    row.volunteers = fields.volunteers
    row.hours = fields.hours
    row.notes = fields.notes


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
    stmt = select(VolunteerHours).where(
        *repository.registry_in_districts(VolunteerHours, principal.districts)
    )
    if role is not None:
        stmt = stmt.where(VolunteerHours.role == role.value)  # type: ignore[arg-type]
    if area is not None:
        stmt = stmt.where(VolunteerHours.area_code == area)  # type: ignore[arg-type]
    if district is not None:
        stmt = stmt.where(VolunteerHours.district_code == district)  # type: ignore[arg-type]
    if from_ is not None:
        stmt = stmt.where(VolunteerHours.local_month >= month_number(from_))  # type: ignore[arg-type]
    if to is not None:
        stmt = stmt.where(VolunteerHours.local_month <= month_number(to))  # type: ignore[arg-type]
    return await _id_page(session, stmt, VolunteerHours, cursor, limit, hours_read)


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
    now = utcnow()
    row = VolunteerHours(
        id=uuid.uuid4(),
        version=1,
        created_at=now,
        updated_at=now,
        role="",
        local_month=0,
        hours=0.0,
    )
    await _apply_hours(session, row, payload)
    session.add(row)
    await session.flush()
    response.headers["Location"] = f"/api/v1/volunteer-hours/{row.id}"
    response.headers["ETag"] = service.version_etag(row.version)
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
    row = await repository.get_registry_record(
        session, VolunteerHours, hours_id, principal.districts
    )
    if row is None:
        raise errors.not_found("volunteer hours record", hours_id)
    response.headers["ETag"] = service.version_etag(row.version)
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
    if_match: IfMatch = None,
) -> HoursRead:
    patch = await read_json_object(request)
    row = await repository.get_registry_record(
        session, VolunteerHours, hours_id, principal.districts, for_update=True
    )
    if row is None:
        raise errors.not_found("volunteer hours record", hours_id)
    current = hours_read(row).model_dump(mode="json", include=set(HoursFields.model_fields))
    fields = parse(HoursFields, merge_patch(current, patch))
    check_unchanged(if_match, row.version, "volunteer hours record")
    await _apply_hours(session, row, fields)
    row.version += 1
    row.updated_at = utcnow()
    await session.flush()
    response.headers["ETag"] = service.version_etag(row.version)
    return hours_read(row)


# --- shared paging -------------------------------------------------------------------------

_UUID = re.compile(r"^[0-9a-f\-]{32,36}$")


async def _id_page(
    session: AsyncSession, stmt: Any, model: Any, cursor: str | None, limit: int, read: Any
) -> CursorPage[Any]:
    """Keyset page ordered by id (stable under inserts)."""
    if cursor is not None:
        (after,) = decode_cursor(cursor, size=1)
        if not isinstance(after, str) or not _UUID.match(after):
            raise invalid("query.cursor", "not a cursor this service issued")
        stmt = stmt.where(model.id > uuid.UUID(after))
    rows = list((await session.execute(stmt.order_by(model.id).limit(limit + 1))).scalars())
    next_cursor = encode_cursor([str(rows[limit - 1].id)]) if len(rows) > limit else None
    return CursorPage(items=[read(r) for r in rows[:limit]], limit=limit, next_cursor=next_cursor)
