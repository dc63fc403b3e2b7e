"""Rules of the volunteer hours registry: hours of an area count in that area's district."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.activity.areas.service import known_area
from services.activity.versioned import Registry
from services.activity.volunteering.models import VolunteerHours
from services.activity.volunteering.schemas import HoursFields, HoursRead
from shared.contracts.taxonomy import VolunteerRole


def month_number(text: str) -> int:
    """`2022-09` as 202209 (how months are stored and compared)."""
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


async def apply_hours(session: AsyncSession, row: VolunteerHours, fields: HoursFields) -> None:
    district = None
    if fields.area is not None:
        area = await known_area(session, fields.area)
        district = area.district_code
    row.role = fields.role.value
    row.local_month = month_number(fields.month)
    row.area_code = fields.area
    row.district_code = district
    row.volunteers = fields.volunteers
    row.hours = fields.hours
    row.notes = fields.notes


def _fields_of(row: VolunteerHours) -> dict[str, Any]:
    return hours_read(row).model_dump(mode="json", include=set(HoursFields.model_fields))


HOURS: Registry[VolunteerHours, HoursFields] = Registry(
    model=VolunteerHours,
    fields=HoursFields,
    what="volunteer hours record",
    apply=apply_hours,
    blank=lambda: {"role": "", "local_month": 0, "hours": 0.0},
    fields_of=_fields_of,
)
