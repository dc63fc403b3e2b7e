"""Rules of the community groups registry."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.activity.areas.service import known_area
from services.activity.groups.models import CommunityGroup
from services.activity.groups.schemas import GroupFields, GroupRead
from services.activity.versioned import Registry
from shared.contracts.taxonomy import GroupType
from shared.problems import invalid


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


def check_active_dates(fields: GroupFields) -> None:
    if fields.active_from and fields.active_to and fields.active_to < fields.active_from:
        raise invalid("body.active_to", "must not be before active_from")


async def apply_group(session: AsyncSession, group: CommunityGroup, fields: GroupFields) -> None:
    check_active_dates(fields)
    if fields.area is not None:
        await known_area(session, fields.area)
    group.name = fields.name
    group.group_type = fields.group_type.value
    group.area_code = fields.area
    group.active = fields.active
    group.active_from = fields.active_from
    group.active_to = fields.active_to
    group.members = fields.members
    group.contact = fields.contact
    group.notes = fields.notes


def _fields_of(group: CommunityGroup) -> dict[str, Any]:
    return group_read(group).model_dump(mode="json", include=set(GroupFields.model_fields))


GROUPS: Registry[CommunityGroup, GroupFields] = Registry(
    model=CommunityGroup,
    fields=GroupFields,
    what="community group",
    apply=apply_group,
    blank=lambda: {"name": "", "group_type": "", "active": True},
    fields_of=_fields_of,
)
