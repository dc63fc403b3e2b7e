"""What the Hub publishes as data.police.uk, and the rules around it.

Every answer is built here from the stored records by one mapping per shape, and the
beat-profile completeness the KPIs count is computed from those same mappings, so what the
public sees is what is counted.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any, Protocol

from services.activity.activities.values import LONDON, today_local
from services.activity.areas.models import Area
from services.activity.police_uk.models import PoliceUkForce, PoliceUkNeighbourhood
from services.activity.police_uk.schemas import (
    CentreOut,
    Completeness,
    EngagementMethodOut,
    ForceRecord,
    LinkOut,
    LocationOut,
    NeighbourhoodRecord,
    Officer,
    PoliceEvent,
    PriorityOut,
    TeamMember,
)

# "Priorities updated in the last three months" (the report's beat-page KPI).
PRIORITIES_FRESH_MONTHS = 3


# --- forces --------------------------------------------------------------------------------


def force_record(force: PoliceUkForce) -> ForceRecord:
    return ForceRecord(
        id=force.id,
        name=force.name,
        description=force.description,
        url=force.url,
        telephone=force.telephone,
        engagement_methods=[
            EngagementMethodOut(
                type=m["type"],
                title=m.get("title"),
                url=m.get("url"),
                description=m.get("description"),
            )
            for m in force.engagement_methods or []
        ],
    )


def officer(person: dict[str, Any]) -> Officer:
    return Officer(
        name=person["name"],
        rank=person.get("rank"),
        bio=person.get("bio"),
        contact_details=dict(person.get("contact_details") or {}),
    )


# --- neighbourhoods ------------------------------------------------------------------------


class Profile(Protocol):
    """What a beat profile's completeness reads of an area: an `Area`, or those columns."""

    @property
    def contact_details(self) -> dict[str, Any]: ...

    @property
    def people(self) -> list[dict[str, Any]]: ...

    @property
    def priorities(self) -> list[dict[str, Any]]: ...


def coordinate_text(value: float) -> str:
    # repr is the shortest text that reads back as the same float: an imported "51.4633"
    # is served as "51.4633".
    return repr(float(value))


def published_contacts(area: Profile) -> dict[str, str]:
    return {k: str(v) for k, v in (area.contact_details or {}).items() if str(v).strip()}


def team(area: Profile) -> list[TeamMember]:
    return [
        TeamMember(**officer(p).model_dump(), photo_url=p.get("photo_url"))
        for p in area.people or []
    ]


def date_text(value: str | date | None) -> str | None:
    """data.police.uk writes dates as midnight times: `2022-09-14T00:00:00`."""
    if value is None or value == "":
        return None
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.isoformat()}T00:00:00"


def priorities(area: Profile) -> list[PriorityOut]:
    return [
        PriorityOut(
            issue=p["issue"],
            issue_date=date_text(p.get("issue_date")),
            action=p.get("action"),
            action_date=date_text(p.get("action_date")),
        )
        for p in area.priorities or []
    ]


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def contacts_and_photos(area: Profile) -> tuple[bool, bool]:
    """The parts of `completeness` no day changes: published contact details, and a photo of
    every member of a team that has members."""
    members = team(area)
    return bool(published_contacts(area)), bool(members) and all(m.photo_url for m in members)


def completeness(area: Profile, today: date | None = None) -> Completeness:
    """The beat-profile completeness (contact details, team photos, priorities updated in
    the last three months), read off exactly what `/{force}/{id}`, `/people` and
    `/priorities` publish for `area`. The one place this rule lives."""
    today = today or today_local()
    contact_details, team_photos = contacts_and_photos(area)
    since = _months_before(today, PRIORITIES_FRESH_MONTHS)
    dates = [
        date.fromisoformat(text[:10])
        for p in priorities(area)
        for text in (p.issue_date, p.action_date)
        if text
    ]
    parts = {
        "contact_details": contact_details,
        "team_photos": team_photos,
        "priorities": any(since <= d <= today for d in dates),
    }
    return Completeness(
        **parts,
        score=round(sum(parts.values()) / len(parts), 4),
        missing=[k for k, present in parts.items() if not present],
    )


def neighbourhood_record(area: Area, extra: PoliceUkNeighbourhood | None) -> NeighbourhoodRecord:
    centre = None
    if area.centre_latitude is not None and area.centre_longitude is not None:
        centre = CentreOut(
            latitude=coordinate_text(area.centre_latitude),
            longitude=coordinate_text(area.centre_longitude),
        )
    return NeighbourhoodRecord(
        id=area.police_uk_id or area.code,
        name=area.name,
        description=area.description or None,
        url_force=extra.url_force if extra else None,
        contact_details=published_contacts(area),
        links=[LinkOut(**_with_keys(link, LinkOut)) for link in (extra.links if extra else [])],
        centre=centre,
        locations=[
            LocationOut(**_with_keys(place, LocationOut))
            for place in (extra.locations if extra else [])
        ],
        population=str(area.population or 0),
        completeness=completeness(area),
    )


def _with_keys(stored: dict[str, Any], model: type[LinkOut] | type[LocationOut]) -> dict[str, Any]:
    return {name: stored.get(name) for name in model.model_fields}


# --- events --------------------------------------------------------------------------------


def local_text(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(LONDON).replace(tzinfo=None).isoformat(timespec="seconds")


def event(area: Area, row: Any) -> PoliceEvent:
    """A published activity as an event: only its public parts (title, venue, type, times,
    the public description given when published, the team's contact details)."""
    return PoliceEvent(
        contact_details=published_contacts(area),
        description=row.description,
        title=row.title,
        address=row.venue,
        type=row.activity_type.replace("_", " "),
        start_date=local_text(row.starts_at) or "",
        end_date=local_text(row.ends_at),
    )
