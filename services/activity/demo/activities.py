"""Demo activities: three years of every directorate's engagement, bulk-loaded."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.activity.activities.models import Activity, ActivityAction
from services.activity.activities.values import LONDON, local_parts, request_hash
from services.activity.demo.registries import DEMO_MONTHS, ISSUES, Neighbourhood
from shared.contracts.taxonomy import (
    ActivityType,
    Channel,
    Classification,
    Directorate,
    KeyStage,
    Purpose,
    ReviewState,
    Sentiment,
    Source,
    Topic,
    topic_mask,
)
from shared.db import table_of

# Months of history: three years, so the KPI scorecard's 12-quarter charts are filled.
CHUNK = 20_000


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


async def make_activities(
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
