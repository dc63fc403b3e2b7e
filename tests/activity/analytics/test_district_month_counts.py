"""District monthly counts: the folded counts summed by district, kept by triggers (PostgreSQL).

Answers with no area read them; answers by area read the folded counts of each area. Both
must agree with each other and with the activities, before and after folds, and an upgrade
must sum what was already counted.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import httpx
from sqlalchemy import text

from shared.db import Database
from shared.migrations import upgrade
from tests.activity.analytics.test_counting import _expected, _items, _load, _within
from tests.support.databases import DatabaseFactory
from tests.support.factories import NEIGHBOURHOODS

KEYS = "status, local_month, district_code, directorate, activity_type, classification"
SUMS = "sum(activities), sum(attendees), sum(young_people)"


async def _tables_agree(db: Database) -> int:
    """The district counts are the folded counts summed by district (zero rows aside); how
    many district rows there are."""
    async with db.read_sessions() as session:
        by_area = (
            await session.execute(
                text(f"SELECT {KEYS}, {SUMS} FROM activity_month_count GROUP BY {KEYS}")
            )
        ).all()
        by_district = (
            await session.execute(
                text(
                    f"SELECT {KEYS}, activities, attendees, young_people "
                    "FROM activity_district_month_count WHERE activities <> 0"
                )
            )
        ).all()
    assert sorted(map(tuple, by_district)) == sorted(tuple(row) for row in by_area if row[6] != 0)
    return len(by_district)


def _by_district(body: dict[str, Any]) -> dict[tuple[Any, ...], list[int]]:
    """Rows of an answer by area and period, summed by district (as NEIGHBOURHOODS place them)."""
    out: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in body["rows"]:
        sums = out[(NEIGHBOURHOODS[row["area"]], row["period"])]
        for i, key in enumerate(("activities", "attendees", "young_people")):
            sums[i] += row[key]
    return dict(out)


async def test_answers_with_and_without_areas_agree_through_folds(
    activity_client: httpx.AsyncClient, backend: str
) -> None:
    from services.activity.housekeeping import fold_once

    db: Database = activity_client.app.state.db  # type: ignore[attr-defined]
    items = _items(random.Random(23), 160)
    loaded: list[dict[str, Any]] = []
    whole_months = {"from": "2022-03-01", "to": "2022-12-31", "period": "month"}

    async def check() -> None:
        by_district = await activity_client.get(
            "/api/v1/activities/aggregate", params={**whole_months, "group_by": "district,period"}
        )
        by_area = await activity_client.get(
            "/api/v1/activities/aggregate", params={**whole_months, "group_by": "area,period"}
        )
        answered = {
            (r["district"], r["period"]): [r["activities"], r["attendees"], r["young_people"]]
            for r in by_district.json()["rows"]
        }
        assert answered == _by_district(by_area.json())
        assert answered == _expected(_within(loaded, whole_months), ["district", "period"], "month")

    for part in (items[:100], items[100:]):  # then part folded, part still appended changes
        await _load(activity_client, part)
        loaded += part
        await check()
        await fold_once(db)
    await fold_once(db)
    await check()
    if backend == "postgresql":
        assert await _tables_agree(db) > 0
    gone = loaded.pop(0)
    etag = (await activity_client.get(f"/api/v1/activities/{gone['id']}")).headers["etag"]
    deleted = await activity_client.delete(
        f"/api/v1/activities/{gone['id']}", params={"reason": "Test"}, headers={"If-Match": etag}
    )
    assert deleted.status_code == 204, deleted.text
    await fold_once(db)
    await check()
    if backend == "postgresql":
        await _tables_agree(db)


async def test_upgrade_sums_what_was_already_counted(databases: DatabaseFactory) -> None:
    url = await databases.empty("activity_district_counts")
    await upgrade("activity", url, "dd3ced457026")
    db = Database(url)
    rows = [
        ("completed", 202207, "BRS", area, "neighbourhood_partnerships", kind, "engagement", n)
        for area, kind, n in [
            ("BRS-01", "pact_meeting", 3),
            ("BRS-02", "pact_meeting", 4),
            ("BRS-02", "beat_surgery", 1),
        ]
    ]
    async with db.write_sessions() as session:
        for row in rows:
            await session.execute(
                text(
                    "INSERT INTO activity_month_count (status, local_month, district_code, "
                    "area_code, directorate, activity_type, classification, activities, "
                    "attendees, young_people) VALUES (:s, :m, :d, :a, :dir, :t, :c, :n, :n, 0)"
                ),
                dict(zip(("s", "m", "d", "a", "dir", "t", "c", "n"), row, strict=True)),
            )
        await session.commit()
    await upgrade("activity", url)
    if databases.backend == "postgresql":
        assert await _tables_agree(db) == 2  # BRS pact meetings (3 + 4) and beat surgeries
    await db.dispose()
