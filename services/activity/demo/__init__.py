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

import random
from datetime import UTC, datetime

from sqlalchemy import func, select

from services.activity.activities.models import Activity
from services.activity.analytics.repository import fold_month_counts
from services.activity.areas.models import Area
from services.activity.demo.activities import make_activities
from services.activity.demo.registries import (
    make_areas,
    make_groups,
    make_plans,
    make_volunteer_hours,
)
from services.activity.police_uk import demo as police_uk_demo
from shared.db import Database, table_of

ACTIVITIES_PER_SIZE = 20_000


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
        neighbourhoods = await make_areas(conn, rng, now)
        plans = await make_plans(conn, now)
        await make_groups(conn, rng, neighbourhoods, now)
        await make_volunteer_hours(conn, rng, now)
        await make_activities(conn, rng, neighbourhoods, plans, activities, now)
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
                "activity_district_month_count",
                "activity_month_count_change",  # emptied by the fold: give the space back
            )
            for table in tables:
                await autocommit.exec_driver_sql(f"VACUUM ANALYZE {table}")
    return True
