"""Demo data for the activity service: a realistic year of engagement across a force.

Six districts of ten neighbourhoods each (beat profiles of varying completeness, each with a
boundary and upcoming public events published as police.uk would show them), the force
engagement strategy with a local engagement plan per district, community groups, monthly
citizens-in-policing hours, and a year of activity from every directorate and of every type,
with planned activities ahead, a few planned ones never reconciled, deliberate overlaps
between directorates, and "you said, we did" actions, some overdue.

Sizes are parameters: `load_demo(db, size)` makes about `size` x 20,000 activities (the hub's
`--size`); `generate(db, activities=...)` takes an exact count (benchmarks use 1,000,000).
Rows go in with bulk inserts in chunks: PostgreSQL `COPY`, SQLite `executemany`. Everything is
fictional: no real person is named.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.activity.activities.models import Activity, ActivityAction
from services.activity.activities.values import LONDON, local_parts, request_hash
from services.activity.analytics.repository import fold_month_counts
from services.activity.areas.models import Area
from services.activity.groups.models import CommunityGroup
from services.activity.models import table_of
from services.activity.plans.models import Plan
from services.activity.police_uk import demo as police_uk_demo
from services.activity.volunteering.models import VolunteerHours
from shared.contracts.taxonomy import (
    ActivityType,
    AreaKind,
    Channel,
    Classification,
    Directorate,
    GroupType,
    KeyStage,
    PlanKind,
    Purpose,
    ReviewState,
    Sentiment,
    Source,
    Topic,
    VolunteerRole,
    topic_mask,
)
from shared.db import Database

ACTIVITIES_PER_SIZE = 20_000
# Months of history: three years, so the KPI scorecard's 12-quarter charts are filled.
DEMO_MONTHS = 36
CHUNK = 20_000

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

# What each directorate typically does (every type is reachable from some directorate).
TYPES_BY_DIRECTORATE: dict[Directorate, tuple[ActivityType, ...]] = {
    Directorate.neighbourhood_partnerships: (
        ActivityType.beat_surgery,
        ActivityType.pact_meeting,
        ActivityType.patrol_interaction,
        ActivityType.parish_council_meeting,
        ActivityType.school_engagement,
        ActivityType.youth_panel,
        ActivityType.community_event,
        ActivityType.neighbourhood_watch_meeting,
        ActivityType.iag_meeting,
        ActivityType.co_creation_workshop,
    ),
    Directorate.fraud_cyber_protect: (
        ActivityType.crime_prevention_talk,
        ActivityType.webchat_online_forum,
        ActivityType.school_engagement,
        ActivityType.social_media_live,
    ),
    Directorate.corporate_communications: (
        ActivityType.social_media_live,
        ActivityType.webchat_online_forum,
        ActivityType.joint_pcc_chief_constable_meeting,
    ),
    Directorate.recruitment: (ActivityType.recruitment_event, ActivityType.community_event),
    Directorate.organisational_development: (
        ActivityType.co_creation_workshop,
        ActivityType.iag_meeting,
    ),
    Directorate.staff_associations: (ActivityType.community_event, ActivityType.iag_meeting),
    Directorate.staff_office: (
        ActivityType.joint_pcc_chief_constable_meeting,
        ActivityType.other,
    ),
    Directorate.citizens_in_policing: (
        ActivityType.speedwatch_session,
        ActivityType.school_engagement,
        ActivityType.community_event,
        ActivityType.recruitment_event,
    ),
    Directorate.response: (ActivityType.patrol_interaction,),
    Directorate.investigations: (ActivityType.crime_prevention_talk, ActivityType.iag_meeting),
}
DIRECTORATE_WEIGHTS: dict[Directorate, int] = {
    Directorate.neighbourhood_partnerships: 50,
    Directorate.fraud_cyber_protect: 8,
    Directorate.corporate_communications: 8,
    Directorate.recruitment: 5,
    Directorate.organisational_development: 3,
    Directorate.staff_associations: 3,
    Directorate.staff_office: 2,
    Directorate.citizens_in_policing: 9,
    Directorate.response: 9,
    Directorate.investigations: 3,
}
ONE_WAY = {ActivityType.social_media_live}
INCIDENTAL = {ActivityType.patrol_interaction}
ONLINE = {ActivityType.social_media_live, ActivityType.webchat_online_forum}
TOPICS_BY_DIRECTORATE: dict[Directorate, tuple[Topic, ...]] = {
    Directorate.fraud_cyber_protect: (Topic.fraud, Topic.cyber, Topic.online_safety),
    Directorate.recruitment: (Topic.recruitment,),
}
GENERAL_TOPICS = tuple(t for t in Topic if t not in (Topic.recruitment, Topic.other))
FEEDBACK = (
    "Residents want more visible patrols in the evening.",
    "Concerns about speeding near the primary school.",
    "Thanks for the quick response to the burglaries last month.",
    "Young people asked for somewhere safe to meet after school.",
    "Worries about drug dealing near the park.",
    "Parking on pavements is blocking wheelchair users.",
)
ISSUES = (
    ("Speeding on the main road", "Community Speedwatch sessions and enforcement days"),
    ("Drug dealing near the park", "Targeted evening patrols and a closure order"),
    ("Anti-social behaviour at the shops", "Youth diversion sessions with partners"),
    ("Bike thefts at the station", "Cycle marking event and secure stands request"),
    ("Fly-tipping in the lanes", "Joint operation with the council"),
)


@dataclass
class Neighbourhood:
    code: str
    name: str
    district: str
    venues: list[str] = field(default_factory=list)
    schools: list[tuple[str, str]] = field(default_factory=list)
    centre: tuple[float, float] = (51.45, -2.59)


async def load_demo(db: Database, size: int) -> bool:
    """Load about `size` x 20,000 activities over three years; only into an empty store."""
    return await generate(db, activities=max(1, size) * ACTIVITIES_PER_SIZE)


async def generate(db: Database, *, activities: int, seed: int = 2022) -> bool:
    """Generate the registries and `activities` activities; False when the store is not empty."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    async with db.write_sessions() as session:
        conn = await session.connection()
        taken = (await conn.execute(select(func.count()).select_from(table_of(Area)))).scalar_one()
        logged = (
            await conn.execute(select(func.count()).select_from(table_of(Activity)))
        ).scalar_one()
        if taken or logged:
            return False
        neighbourhoods = await _areas(conn, rng, now)
        plans = await _plans(conn, now)
        await _groups(conn, rng, neighbourhoods, now)
        await _volunteer_hours(conn, rng, now)
        await _activities(conn, rng, neighbourhoods, plans, activities, now)
        await police_uk_demo.load(
            conn, [(n.code, n.name, n.district, n.centre) for n in neighbourhoods], now, seed
        )
        # PostgreSQL's triggers appended a count change per activity: fold them in at once.
        await fold_month_counts(session)
        await session.commit()
    if not db.sqlite:
        async with db.engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            tables = (
                "activity_activity",
                "activity_action",
                "activity_month_count",
                "activity_month_count_change",  # emptied by the fold: give the space back
            )
            for table in tables:
                await autocommit.exec_driver_sql(f"VACUUM ANALYZE {table}")
    return True


async def _areas(conn: AsyncConnection, rng: random.Random, now: datetime) -> list[Neighbourhood]:
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


async def _plans(conn: AsyncConnection, now: datetime) -> dict[str, uuid.UUID]:
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


async def _groups(
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


async def _volunteer_hours(conn: AsyncConnection, rng: random.Random, now: datetime) -> None:
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


ACTIVITY_COLUMNS = [c.name for c in table_of(Activity).columns]
ACTION_COLUMNS = [c.name for c in table_of(ActivityAction).columns]
JSON_COLUMNS = {"topics", "details"}


def _activity_rows(
    rng: random.Random,
    areas: list[Neighbourhood],
    plans: dict[str, uuid.UUID],
    count: int,
    now: datetime,
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(activity, actions) for `count` activities over the last year and next month."""
    directorates = list(DIRECTORATE_WEIGHTS)
    weights = list(DIRECTORATE_WEIGHTS.values())
    today = now.astimezone(LONDON).date()
    span_minutes = (DEMO_MONTHS * 365 // 12 + 30) * 24 * 60
    overlap_partner: dict[str, Any] | None = None
    overdue_left = max(3, count // 20_000)
    for _ in range(count):
        if overlap_partner is not None and rng.random() < 0.5:
            # Another directorate, same neighbourhood, same week: the duplication to find.
            base = overlap_partner
            overlap_partner = None
            area = next(a for a in areas if a.code == base["area_code"])
            directorate = rng.choice([d for d in directorates if d.value != base["directorate"]])
            starts = base["starts_at"] + timedelta(hours=rng.randint(-48, 48))
        else:
            area = rng.choice(areas)
            directorate = rng.choices(directorates, weights)[0]
            starts = (
                now
                - timedelta(days=DEMO_MONTHS * 365 // 12)
                + timedelta(minutes=rng.randrange(span_minutes))
            )
            starts = starts.replace(minute=(starts.minute // 15) * 15)
        activity_type = rng.choice(TYPES_BY_DIRECTORATE[directorate])
        future = starts > now
        if future:
            status = "planned"
        else:
            status = rng.choices(["completed", "cancelled", "planned"], [945, 50, 5])[0]
        duration = timedelta(minutes=rng.choice([30, 45, 60, 90, 120]))
        classification = (
            Classification.communication
            if activity_type in ONE_WAY
            else Classification.interaction
            if activity_type in INCIDENTAL
            else Classification.engagement
        )
        channel = (
            Channel.social_media
            if activity_type is ActivityType.social_media_live
            else Channel.online
            if activity_type in ONLINE
            else Channel.face_to_face
        )
        topic_pool = TOPICS_BY_DIRECTORATE.get(directorate, GENERAL_TOPICS)
        topics = sorted(
            {t.value for t in rng.sample(topic_pool, min(len(topic_pool), rng.randint(0, 3)))}
        )
        venue = rng.choice(area.venues) if channel is Channel.face_to_face else None
        details: dict[str, Any] = {}
        attendees = young = None
        if status == "completed":
            attendees = (
                rng.randint(1, 4)
                if activity_type is ActivityType.patrol_interaction
                else rng.randint(40, 900)
                if channel is not Channel.face_to_face
                else rng.randint(3, 60)
            )
            young = (
                rng.randint(0, attendees)
                if activity_type in (ActivityType.school_engagement, ActivityType.youth_panel)
                else rng.randint(0, attendees // 5)
            )
            details["audience"] = {"groups": [], "attendees": attendees, "young_people": young}
            if classification is Classification.engagement and rng.random() < 0.6:
                details["outcome"] = {
                    "contributions": rng.randint(0, attendees),
                    "issues_raised": [rng.choice(ISSUES)[0]] if rng.random() < 0.5 else [],
                    "community_feedback": rng.choice(FEEDBACK),
                    "sentiment": rng.choice(list(Sentiment)).value,
                }
        if activity_type is ActivityType.school_engagement:
            school, urn = rng.choice(area.schools)
            details["school"] = {
                "name": school,
                "urn": urn,
                "key_stages": [
                    rng.choice([KeyStage.ks1, KeyStage.ks2, KeyStage.ks3, KeyStage.ks4]).value
                ],
            }
        label = activity_type.value.replace("_", " ")
        title = f"{label[:1].upper()}{label[1:]}, {venue or area.name}"[:200]
        feedback = details.get("outcome", {}).get("community_feedback")
        activity_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        local_date, local_month, week_start = local_parts(starts)
        row = {
            "id": activity_id,
            "title": title,
            "status": status,
            "starts_at": starts,
            "ends_at": starts + duration,
            "directorate": directorate.value,
            "activity_type": activity_type.value,
            "channel": channel.value,
            "classification": classification.value,
            "purpose": rng.choice(list(Purpose)).value,
            "topics": topics,
            "topic_mask": topic_mask(topics),
            "area_code": area.code,
            "district_code": area.district,
            "local_date": local_date,
            "local_month": local_month,
            "week_start": week_start,
            "venue": venue,
            "latitude": round(area.centre[0] + rng.uniform(-0.01, 0.01), 5) if venue else None,
            "longitude": round(area.centre[1] + rng.uniform(-0.01, 0.01), 5) if venue else None,
            "attendees": attendees,
            "young_people": young,
            "notes": None,
            "details": details,
            "plan_id": plans[area.district]
            if directorate is Directorate.neighbourhood_partnerships and rng.random() < 0.5
            else None,
            "search_text": "\n".join(p for p in (title, feedback) if p),
            "intel_submitted": rng.choices([0, 1, 2], [85, 12, 3])[0] if not future else 0,
            "logged_by": "demo",
            "source": rng.choice(list(Source)).value,
            "review_state": rng.choices(
                [ReviewState.received, ReviewState.approved, ReviewState.has_issues], [30, 65, 5]
            )[0].value
            if not future
            else ReviewState.received.value,
            "review_comment": None,
            "reviewed_by": None,
            "reviewed_at": None,
            "version": 1,
            "request_hash": request_hash({"demo": str(activity_id)}),
            "created_at": min(starts + duration, now),
            "updated_at": min(starts + duration, now),
            "deleted_at": None,
            "delete_reason": None,
            "deleted_by": None,
        }
        if row["review_state"] == ReviewState.has_issues.value:
            row["review_comment"] = "Attendee count and outcome missing."
            row["reviewed_by"] = "demo-supervisor"
            row["reviewed_at"] = row["updated_at"]
        elif row["review_state"] == ReviewState.approved.value:
            row["reviewed_by"] = "demo-supervisor"
            row["reviewed_at"] = row["updated_at"]
        if future and overlap_partner is None and rng.random() < 0.3:
            overlap_partner = row
        actions = []
        raised = details.get("outcome", {}).get("issues_raised")
        if status == "completed" and raised and rng.random() < 0.15:
            issue = details["outcome"]["issues_raised"][0]
            action_text = dict(ISSUES)[issue]
            due = local_date + timedelta(days=rng.choice([14, 28, 42]))
            # Past due actions are done, but for a few left overdue.
            overdue = due < today and overdue_left > 0 and rng.random() < 0.3
            overdue_left -= overdue
            done = due - timedelta(days=rng.randint(0, 10)) if due < today and not overdue else None
            actions.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                    "activity_id": activity_id,
                    "position": 0,
                    "issue": issue,
                    "action": action_text,
                    "owner": f"{area.name} neighbourhood team",
                    "due_on": due,
                    "done_on": done,
                    "outcome": "Done; reported back at the next PACT meeting" if done else None,
                }
            )
        yield row, actions


async def _activities(
    conn: AsyncConnection,
    rng: random.Random,
    areas: list[Neighbourhood],
    plans: dict[str, uuid.UUID],
    count: int,
    now: datetime,
) -> None:
    postgres = conn.dialect.name == "postgresql"
    rows = _activity_rows(rng, areas, plans, count, now)
    done = 0
    while done < count:
        chunk = [next(rows) for _ in range(min(CHUNK, count - done))]
        done += len(chunk)
        activities = [a for a, _ in chunk]
        actions = [x for _, xs in chunk for x in xs]
        if postgres:
            await _copy(conn, "activity_activity", ACTIVITY_COLUMNS, activities)
            await _copy(conn, "activity_action", ACTION_COLUMNS, actions)
        else:
            # SQLite's triggers fill the search index as rows go in (PostgreSQL computes its
            # search document as a generated column).
            await conn.execute(table_of(Activity).insert(), activities)
            if actions:
                await conn.execute(table_of(ActivityAction).insert(), actions)


async def _copy(
    conn: AsyncConnection, table: str, columns: list[str], rows: list[dict[str, Any]]
) -> None:
    if not rows:
        return
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    records = [
        tuple(json.dumps(r[c]) if c in JSON_COLUMNS else r[c] for c in columns) for r in rows
    ]
    await driver.copy_records_to_table(table, records=records, columns=columns)
