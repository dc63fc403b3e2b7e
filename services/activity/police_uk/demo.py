"""Demo data for the published police.uk API (called by `services.activity.demo`): the force
record with its engagement channels, each neighbourhood's page extras and boundary, and
upcoming public events published by their authors. Everything is fictional.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from shapely.geometry import box, mapping
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.activity.activities.models import Activity
from services.activity.activities.values import LONDON, local_parts, request_hash
from services.activity.police_uk.models import PoliceUkEvent, PoliceUkForce, PoliceUkNeighbourhood
from services.activity.police_uk.repository import PUBLIC_TYPES
from shared.contracts.taxonomy import ActivityType, Classification, Directorate, ReviewState
from shared.db import table_of

FORCE_ID = "example-constabulary"
SITE = "https://example.police.uk"
# The report's list of channels (corporate and neighbourhood policing pages), as data.
ENGAGEMENT_METHODS: list[dict[str, Any]] = [
    {"type": "facebook", "title": "Facebook", "url": "https://www.facebook.com/examplepolice"},
    {
        "type": "facebook",
        "title": "Neighbourhood policing on Facebook",
        "url": "https://www.facebook.com/examplepolice.neighbourhoods",
    },
    {"type": "twitter", "title": "Twitter", "url": "https://twitter.com/examplepolice"},
    {"type": "instagram", "title": "Instagram", "url": "https://www.instagram.com/examplepolice"},
    {
        "type": "linkedin",
        "title": "LinkedIn",
        "url": "https://www.linkedin.com/company/example-police",
    },
    {"type": "youtube", "title": "YouTube", "url": "https://www.youtube.com/examplepolice"},
    {"type": "web", "title": "Your neighbourhood", "url": f"{SITE}/your-area"},
]
SENIOR_OFFICERS: list[dict[str, Any]] = [
    {"name": "Chief Constable", "rank": "Chief Constable", "bio": "<p>Leads the force.</p>"},
    {"name": "Deputy Chief Constable", "rank": "Deputy Chief Constable", "bio": None},
]
# Each demo neighbourhood is a cell of this size around its centre (cells do not overlap).
HALF_LATITUDE, HALF_LONGITUDE = 0.025, 0.01
PUBLISHED_SHARE = 0.4
# Public events are the ones held at an hour the public comes (local time).
PUBLIC_HOURS = range(8, 21)


def cell_centre(d_index: int, w_index: int) -> tuple[float, float]:
    """The centre of neighbourhood `w_index` of district `d_index`: a 2 x 5 grid per district
    (districts 0.12 degrees of latitude and 0.15 of longitude apart)."""
    row, column = divmod(w_index, 5)
    latitude = 51.0 + d_index * 0.12 + (2 * row + 1) * HALF_LATITUDE
    longitude = -3.2 + d_index * 0.15 + (2 * column + 1) * HALF_LONGITUDE
    return round(latitude, 5), round(longitude, 5)


async def load(
    conn: AsyncConnection,
    neighbourhoods: Sequence[tuple[str, str, str, tuple[float, float]]],
    now: datetime,
    seed: int,
) -> None:
    """`neighbourhoods`: (area code, name, district, centre) of each demo neighbourhood."""
    rng = random.Random(seed)  # its own: the rest of the demo draws the same numbers
    await conn.execute(
        table_of(PoliceUkForce).insert(),
        [
            {
                "id": FORCE_ID,
                "name": "Example Constabulary",
                "description": "<p>Keeping the communities of the example force area safe.</p>",
                "url": SITE,
                "telephone": "101",
                "engagement_methods": [{"description": None, **m} for m in ENGAGEMENT_METHODS],
                "senior_officers": [{"contact_details": {}, **p} for p in SENIOR_OFFICERS],
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    await conn.execute(
        table_of(PoliceUkNeighbourhood).insert(),
        [_extras(code, name, centre, now) for code, name, _, centre in neighbourhoods],
    )
    await _events(
        conn, rng, [(code, name, district) for code, name, district, _ in neighbourhoods], now
    )


def _extras(code: str, name: str, centre: tuple[float, float], now: datetime) -> dict[str, Any]:
    latitude, longitude = centre
    cell = box(
        longitude - HALF_LONGITUDE,
        latitude - HALF_LATITUDE,
        longitude + HALF_LONGITUDE,
        latitude + HALF_LATITUDE,
    )
    min_x, min_y, max_x, max_y = cell.bounds
    return {
        "area_code": code,
        "url_force": f"{SITE}/your-area/{code.lower()}",
        "links": [
            {"url": f"{SITE}/council/{code.lower()}", "title": "Local council", "description": None}
        ],
        "locations": [
            {
                "name": f"{name} police station",
                "type": "station",
                "address": f"1 High Street, {name}",
                "postcode": None,
                "latitude": repr(latitude),
                "longitude": repr(longitude),
                "description": None,
            }
        ],
        "boundary": dict(mapping(cell)),
        "min_latitude": min_y,
        "max_latitude": max_y,
        "min_longitude": min_x,
        "max_longitude": max_x,
        "updated_at": now,
    }


async def _events(
    conn: AsyncConnection, rng: random.Random, areas: list[tuple[str, str, str]], now: datetime
) -> None:
    """Publish most upcoming public events (their authors' choice: some stay unpublished), and
    give a neighbourhood the generated year left without one a beat surgery to publish."""
    c = table_of(Activity).c
    rows = await conn.execute(
        select(c.id, c.area_code, c.activity_type, c.starts_at)
        .where(
            c.status == "planned",
            c.deleted_at.is_(None),
            c.starts_at > now,
            c.activity_type.in_(PUBLIC_TYPES),
        )
        .order_by(c.area_code, c.starts_at, c.id)
    )
    by_area: dict[str, list[Any]] = {}
    for row in rows:
        if row.starts_at.astimezone(LONDON).hour in PUBLIC_HOURS:
            by_area.setdefault(row.area_code, []).append(row)
    added = [_surgery(rng, *area, now) for area in areas if area[0] not in by_area]
    if added:
        await conn.execute(table_of(Activity).insert(), added)
    published = []
    for code, _name, _district in areas:
        candidates = [(r.id, r.activity_type) for r in by_area.get(code, [])]
        candidates += [(a["id"], a["activity_type"]) for a in added if a["area_code"] == code]
        for position, (activity_id, activity_type) in enumerate(candidates):
            if position == 0 or rng.random() < PUBLISHED_SHARE:
                label = activity_type.replace("_", " ")
                published.append(
                    {
                        "activity_id": activity_id,
                        "public": True,
                        "description": f"A {label} with your neighbourhood team. All welcome.",
                        "published_by": "demo",
                        "published_at": now,
                        "updated_at": now,
                    }
                )
    await conn.execute(table_of(PoliceUkEvent).insert(), published)


def _surgery(
    rng: random.Random, code: str, name: str, district: str, now: datetime
) -> dict[str, Any]:
    starts = (now + timedelta(days=rng.randint(3, 25))).replace(hour=10, minute=0)
    local_date, local_month, week_start = local_parts(starts)
    activity_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    title = f"Beat surgery, {name}"
    return {
        "id": activity_id,
        "title": title,
        "status": "planned",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "directorate": Directorate.neighbourhood_partnerships.value,
        "activity_type": ActivityType.beat_surgery.value,
        "channel": "face_to_face",
        "classification": Classification.engagement.value,
        "purpose": "consult",
        "topics": [],
        "topic_mask": 0,
        "area_code": code,
        "district_code": district,
        "local_date": local_date,
        "local_month": local_month,
        "week_start": week_start,
        "venue": f"{name} library",
        "latitude": None,
        "longitude": None,
        "attendees": None,
        "young_people": None,
        "notes": None,
        "details": {},
        "plan_id": None,
        "search_text": title,
        "intel_submitted": 0,
        "logged_by": "demo",
        "source": "web",
        "review_state": ReviewState.received.value,
        "review_comment": None,
        "reviewed_by": None,
        "reviewed_at": None,
        "version": 1,
        "request_hash": request_hash({"demo": str(activity_id)}),
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
        "delete_reason": None,
        "deleted_by": None,
    }
