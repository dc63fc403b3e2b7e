"""Registry counts for a list of days (the counting rules are in the shared contract)."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from datetime import date
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from services.activity import errors
from services.activity.areas.repository import get_area
from services.activity.police_uk.service import Profile, contacts_and_photos
from services.activity.summaries import repository
from services.activity.summaries.schemas import RegisterCounts, RegisterSummary


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month0 = divmod(index, 12)
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month0 + 1, candidate)
        except ValueError:
            continue
    return date(year, month0 + 1, min(day.day, 28))


def _dated(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def priority_dates(area: Profile) -> list[date]:
    """The issue and action dates of `area`'s priorities (undated ones left out)."""
    return [
        day
        for priority in area.priorities or []
        for key in ("issue_date", "action_date")
        if (day := _dated(priority.get(key))) is not None
    ]


def priorities_current(dates: list[date], since: date, on: date) -> bool:
    """Whether a priority dated `dates` (in order) is current on `on`: dated after `since`
    (the day `priority_months` before it, `months_before`) and by `on`."""
    first_after = bisect_right(dates, since)
    return first_after < len(dates) and dates[first_after] <= on


def profile_complete(area: Profile) -> bool:
    """Contact details and team photos (`completeness`; its priorities part is counted here
    per day, as `priorities_current`)."""
    contact_details, team_photos = contacts_and_photos(area)
    return contact_details and team_photos


class GroupSpan(NamedTuple):
    """What the activity rule reads of a community group."""

    group_type: str
    active_from: date | None
    active_to: date | None
    active: bool


def group_active(group: GroupSpan, on: date) -> bool:
    if group.active_from is not None and group.active_from > on:
        return False
    if group.active_to is not None:
        return group.active_to >= on
    return group.active


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


async def summary(
    session: AsyncSession, code: str, days: list[date], priority_months: int
) -> RegisterSummary:
    area = await get_area(session, code)
    if area is None:
        raise errors.not_found("area", code)
    neighbourhoods = await repository.neighbourhoods_under(session, area)
    groups = await repository.groups_under(session, area)
    complete = sum(profile_complete(n) for n in neighbourhoods)
    # The records are read once, not once per day asked for (the KPI service asks ~13 days).
    dated = [sorted(priority_dates(n)) for n in neighbourhoods]
    spans = [GroupSpan._make(g) for g in groups]
    out: list[RegisterCounts] = []
    for on in sorted(set(days)):
        since = months_before(on, priority_months)
        current = sum(priorities_current(dates, since, on) for dates in dated)
        active = Counter(g.group_type for g in spans if group_active(g, on))
        out.append(
            RegisterCounts(
                on=on,
                neighbourhoods=len(neighbourhoods),
                profiles_complete=complete,
                profile_complete_share=_share(complete, len(neighbourhoods)),
                priorities_current=current,
                priorities_current_share=_share(current, len(neighbourhoods)),
                active_groups=dict(sorted(active.items())),
            )
        )
    return RegisterSummary(
        area=area.code, kind=area.kind, priority_months=priority_months, days=out
    )
