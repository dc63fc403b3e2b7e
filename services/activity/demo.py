"""Demo data for the activity service: a plausible slice of engagement across a force."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from services.activity.models import Activity
from services.activity.service import request_hash
from shared.contracts.taxonomy import (
    ActivityStatus,
    ActivityType,
    Channel,
    Classification,
    Directorate,
    Purpose,
    ReviewState,
    Source,
    Topic,
)
from shared.db import Database

DISTRICTS = ("BRS", "NSM", "SGL", "BNE", "SOM", "SDN")


async def load_demo(db: Database, size: int) -> bool:
    """Load about `size` x 2,000 activities over the last year; only into an empty store."""
    async with db.write_sessions() as session:
        count = (await session.execute(select(func.count()).select_from(Activity))).scalar_one()
        if count:
            return False
        rng = random.Random(2022)
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        rows = []
        for _ in range(2000 * size):
            starts = now - timedelta(hours=rng.randint(-24 * 30, 24 * 365))
            status = (
                ActivityStatus.planned
                if starts > now
                else rng.choice([ActivityStatus.completed] * 9 + [ActivityStatus.cancelled])
            )
            area = f"{rng.choice(DISTRICTS)}-{rng.randint(1, 10):02d}"
            activity_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            row = {
                "id": activity_id,
                "title": "Demo engagement",
                "status": status.value,
                "starts_at": starts,
                "ends_at": starts + timedelta(minutes=rng.choice([30, 60, 90, 120])),
                "directorate": rng.choice(list(Directorate)).value,
                "activity_type": rng.choice(list(ActivityType)).value,
                "channel": rng.choice(list(Channel)).value,
                "classification": rng.choice(list(Classification)).value,
                "purpose": rng.choice(list(Purpose)).value,
                "topics": sorted({rng.choice(list(Topic)).value for _ in range(rng.randint(0, 3))}),
                "area_code": area,
                "attendees": rng.randint(0, 80),
                "young_people": 0,
                "details": {},
                "intel_submitted": rng.randint(0, 2),
                "logged_by": "demo",
                "source": Source.import_.value,
                "review_state": ReviewState.received.value,
                "version": 1,
                "request_hash": request_hash({"demo": str(activity_id)}),
                "created_at": now,
                "updated_at": now,
            }
            rows.append(row)
        await session.execute(insert(Activity), rows)
        await session.commit()
    return True
