"""Demo registries: the force, its districts and neighbourhoods, plans, groups, hours."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.activity.activities.values import LONDON
from services.activity.areas.models import Area
from services.activity.groups.models import CommunityGroup
from services.activity.plans.models import Plan
from services.activity.police_uk import demo as police_uk_demo
from services.activity.volunteering.models import VolunteerHours
from shared.contracts.taxonomy import (
    AreaKind,
    GroupType,
    PlanKind,
    VolunteerRole,
)
from shared.db import table_of

DEMO_MONTHS = 36
ISSUES = (
    ("Speeding on the main road", "Community Speedwatch sessions and enforcement days"),
    ("Drug dealing near the park", "Targeted evening patrols and a closure order"),
    ("Anti-social behaviour at the shops", "Youth diversion sessions with partners"),
    ("Bike thefts at the station", "Cycle marking event and secure stands request"),
    ("Fly-tipping in the lanes", "Joint operation with the council"),
)

FORCE = ("FORCE", "Example Constabulary")
DISTRICTS = (
    ("BRS", "Bristol"),
    ("NSM", "North Somerset"),
    ("SGL", "South Gloucestershire"),
    ("BNE", "Bath and North East Somerset"),
    ("SOM", "Somerset West"),
    ("SDN", "Somerset East"),
)
WARDS = (
    "Central",
    "Northfield",
    "Eastway",
    "Southmead Park",
    "Westbury Vale",
    "Harbourside",
    "Hillcrest",
    "Riverside",
    "Old Market",
    "Greenbank",
)
VENUES = ("community centre", "library", "church hall", "leisure centre", "market square")


@dataclass
class Neighbourhood:
    code: str
    name: str
    district: str
    venues: list[str] = field(default_factory=list)
    schools: list[tuple[str, str]] = field(default_factory=list)
    centre: tuple[float, float] = (51.45, -2.59)


async def make_areas(
    conn: AsyncConnection, rng: random.Random, now: datetime
) -> list[Neighbourhood]:
    base = {
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "police_uk_force": None,
        "police_uk_id": None,
        "description": None,
        "centre_latitude": None,
        "centre_longitude": None,
        "population": None,
        "force_code": None,
        "district_code": None,
        "parent_code": None,
        "contact_details": {},
        "people": [],
        "priorities": [],
    }
    rows = [{**base, "code": FORCE[0], "name": FORCE[1], "kind": AreaKind.force.value}]
    out: list[Neighbourhood] = []
    for d_index, (code, name) in enumerate(DISTRICTS):
        rows.append(
            {
                **base,
                "code": code,
                "name": name,
                "kind": AreaKind.district.value,
                "parent_code": FORCE[0],
                "district_code": code,
                "force_code": FORCE[0],
            }
        )
        for w_index, ward in enumerate(WARDS):
            n_code = f"{code}-{w_index + 1:02d}"
            n_name = f"{name} {ward}"
            # Two draws kept (once the centre's jitter) so the rest of the demo is unchanged;
            # the centre is the neighbourhood's cell, its police.uk boundary.
            rng.random(), rng.random()
            lat, lon = police_uk_demo.cell_centre(d_index, w_index)
            complete = rng.random()
            contact = (
                {"email": f"{n_code.lower()}.team@example.police.uk"} if complete > 0.06 else {}
            )
            photo = complete > 0.15  # a few profiles lack team photos
            people = [
                {
                    "name": f"{n_name} {role}",
                    "rank": rank,
                    **(
                        {"photo_url": f"https://example.police.uk/teams/{n_code}-{n}.jpg"}
                        if photo
                        else {}
                    ),
                }
                for n, (role, rank) in enumerate(
                    (("neighbourhood sergeant", "Sergeant"), ("PCSO", "PCSO")), start=1
                )
            ]
            # Every neighbourhood publishes priorities; a few not updated for months.
            priorities = (
                [
                    {
                        "issue": issue,
                        "issue_date": (now.date() - timedelta(days=90)).isoformat(),
                        "action": action,
                        "action_date": (now.date() - timedelta(days=30)).isoformat(),
                    }
                    for issue, action in rng.sample(ISSUES, 2)
                ]
                if complete > 0.10
                else [
                    {
                        "issue": ISSUES[w_index % len(ISSUES)][0],
                        "issue_date": (now.date() - timedelta(days=240)).isoformat(),
                        "action": ISSUES[w_index % len(ISSUES)][1],
                        "action_date": (now.date() - timedelta(days=180)).isoformat(),
                    }
                ]
            )
            rows.append(
                {
                    **base,
                    "code": n_code,
                    "name": n_name,
                    "kind": AreaKind.neighbourhood.value,
                    "parent_code": code,
                    "district_code": code,
                    "force_code": FORCE[0],
                    "police_uk_force": "example-constabulary",
                    "police_uk_id": f"{code}{w_index + 1:02d}",
                    "description": f"<p>The {n_name} neighbourhood policing team.</p>",
                    "centre_latitude": round(lat, 5),
                    "centre_longitude": round(lon, 5),
                    "population": rng.randint(6_000, 18_000),
                    "contact_details": contact,
                    "people": people,
                    "priorities": priorities,
                }
            )
            out.append(
                Neighbourhood(
                    code=n_code,
                    name=n_name,
                    district=code,
                    venues=[f"{ward} {v}" for v in rng.sample(VENUES, 3)],
                    schools=[
                        (f"{ward} {kind} School", str(rng.randint(100_000, 149_999)))
                        for kind in ("Primary", "Academy")
                    ],
                    centre=(lat, lon),
                )
            )
    # Parents before children (the self-reference is checked row by row).
    await conn.execute(table_of(Area).insert(), rows)
    return out


async def make_plans(conn: AsyncConnection, now: datetime) -> dict[str, uuid.UUID]:
    year_start = date(now.year - 1, 4, 1)
    strategy = uuid.UUID(int=1, version=4)
    rows: list[dict[str, Any]] = [
        {
            "id": strategy,
            "kind": PlanKind.strategy.value,
            "title": "Neighbourhood community engagement strategy",
            "parent_id": None,
            "area_code": FORCE[0],
            "owner": "Thematic lead for engagement",
            "starts_on": year_start,
            "ends_on": date(year_start.year + 3, 3, 31),
            "objectives": ["Inform", "Consult", "Co-operate"],
            "notes": None,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
    ]
    out = {}
    for index, (code, name) in enumerate(DISTRICTS):
        plan_id = uuid.UUID(int=100 + index, version=4)
        out[code] = plan_id
        rows.append(
            {
                "id": plan_id,
                "kind": PlanKind.local_engagement_plan.value,
                "title": f"{name} local engagement plan",
                "parent_id": strategy,
                "area_code": code,
                "owner": f"{name} neighbourhood inspector",
                "starts_on": year_start,
                "ends_on": date(year_start.year + 1, 3, 31),
                "objectives": [
                    "Monthly PACT meetings in every neighbourhood",
                    "A school engagement each term",
                    "Quarterly youth panel",
                ],
                "notes": None,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    await conn.execute(table_of(Plan).insert(), rows)
    return out


async def make_groups(
    conn: AsyncConnection, rng: random.Random, areas: list[Neighbourhood], now: datetime
) -> None:
    rows = []
    kinds = list(GroupType)
    for area in areas:
        for kind in rng.sample(kinds, rng.randint(1, 3)):
            started = now.date() - timedelta(days=rng.randint(100, 2000))
            ended = rng.random() < 0.1
            name = {
                GroupType.school: area.schools[0][0],
                GroupType.iag: f"{area.name} independent advisory group",
            }.get(kind, f"{area.name} {kind.value.replace('_', ' ')}")
            rows.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                    "name": name[:200],
                    "group_type": kind.value,
                    "area_code": area.code,
                    "active": not ended,
                    "active_from": started,
                    "active_to": now.date() - timedelta(days=rng.randint(1, 90)) if ended else None,
                    "members": rng.randint(4, 40),
                    "contact": None,
                    "notes": None,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    await conn.execute(table_of(CommunityGroup).insert(), rows)


async def make_volunteer_hours(conn: AsyncConnection, rng: random.Random, now: datetime) -> None:
    rows = []
    local = now.astimezone(LONDON).date()
    for back in range(DEMO_MONTHS):
        month_index = local.year * 12 + local.month - 1 - back
        month = (month_index // 12) * 100 + month_index % 12 + 1
        for code, _name in DISTRICTS:
            for role, (people, per_person) in {
                VolunteerRole.special_constable: (40, 16),
                VolunteerRole.mini_police: (25, 2),
                VolunteerRole.cadet: (30, 6),
                VolunteerRole.police_support_volunteer: (20, 8),
            }.items():
                volunteers = max(1, int(people * rng.uniform(0.7, 1.3)))
                rows.append(
                    {
                        "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                        "role": role.value,
                        "local_month": month,
                        "area_code": code,
                        "district_code": code,
                        "volunteers": volunteers,
                        "hours": round(volunteers * per_person * rng.uniform(0.8, 1.2), 1),
                        "notes": None,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
    await conn.execute(table_of(VolunteerHours).insert(), rows)
