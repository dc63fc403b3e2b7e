"""The rules of finding and counting, each on its own: the counting rule of aggregates, the
overlap rule and the unreconciled rule (the last two are SQL conditions, so they are run
against a real, in-memory SQLite table of activities). The HTTP tests beside these see the
same rules through the API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import aliased

from services.activity.activities.models import Activity
from services.activity.analytics.filters import Filters
from services.activity.analytics.service import (
    apply_counting_rule,
    overlap_of,
    overlap_reason,
    unreconciled,
)
from services.activity.models import ActivityTable
from shared.contracts.taxonomy import ActivityStatus
from shared.db import table_of

ACTIVITY = table_of(Activity)
MONDAY = datetime(2022, 9, 12, 10, 0, tzinfo=UTC)


def test_only_completed_activities_count_unless_asked() -> None:
    assert apply_counting_rule(Filters()).status is ActivityStatus.completed
    asked = apply_counting_rule(Filters(status=ActivityStatus.planned))
    assert asked.status is ActivityStatus.planned
    assert apply_counting_rule(Filters()).applied() == {"status": "completed"}


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    ActivityTable.metadata.create_all(engine, tables=[ACTIVITY])
    yield engine
    engine.dispose()


def _row(**overrides: Any) -> dict[str, Any]:
    starts_at = overrides.get("starts_at", MONDAY)
    local = starts_at.date()
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "title": "An activity",
        "status": "planned",
        "starts_at": starts_at,
        "ends_at": None,
        "directorate": "neighbourhood_partnerships",
        "activity_type": "community_event",
        "channel": "face_to_face",
        "classification": "engagement",
        "topics": [],
        "topic_mask": 0,
        "area_code": "BRS-01",
        "district_code": "BRS",
        "local_date": local,
        "local_month": local.year * 100 + local.month,
        "week_start": local - timedelta(days=local.weekday()),
        "venue": None,
        "details": {},
        "search_text": "",
        "intel_submitted": 0,
        "logged_by": "test",
        "source": "web",
        "review_state": "received",
        "version": 1,
        "request_hash": "0" * 64,
        "created_at": MONDAY,
        "updated_at": MONDAY,
        "deleted_at": None,
    }
    row.update(overrides)
    return row


def _pairs(engine: Engine, *rows: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(first title, second title, reason) of every pair the overlap rule joins."""
    first: Any = aliased(Activity, name="a")  # Any: SQLModel types columns as values
    second: Any = aliased(Activity, name="b")
    with engine.begin() as conn:
        conn.execute(ACTIVITY.insert(), list(rows))
    with engine.connect() as conn:
        found = conn.execute(
            select(first.title, second.title, first.area_code, second.area_code).join_from(
                first, second, overlap_of(first, second)
            )
        ).all()
    return [
        (a, b, overlap_reason(Activity(area_code=a_area), Activity(area_code=b_area)))
        for a, b, a_area, b_area in found
    ]


def test_two_directorates_in_the_same_area_and_week_overlap_once(engine: Engine) -> None:
    pairs = _pairs(
        engine,
        _row(title="patrol", directorate="neighbourhood_partnerships"),
        _row(
            title="surgery",
            directorate="corporate_communications",
            starts_at=MONDAY + timedelta(days=4),
        ),
    )
    assert pairs == [("surgery", "patrol", "same_area")]


def test_the_same_venue_in_two_areas_overlaps_whatever_its_case(engine: Engine) -> None:
    pairs = _pairs(
        engine,
        _row(title="a", area_code="BRS-01", venue="Easton Library"),
        _row(
            title="b",
            area_code="BRS-02",
            venue="easton library",
            directorate="corporate_communications",
        ),
    )
    assert pairs == [("b", "a", "same_venue")]


@pytest.mark.parametrize(
    "other",
    [
        {"directorate": "neighbourhood_partnerships"},  # the same directorate
        {"starts_at": MONDAY + timedelta(days=7)},  # the next week
        {"status": "completed"},  # not planned any more
        {"deleted_at": MONDAY},  # deleted
        {"area_code": "BRS-02"},  # another area, no venue to share
    ],
)
def test_what_does_not_overlap(engine: Engine, other: dict[str, Any]) -> None:
    base = _row(title="first", directorate="neighbourhood_partnerships")
    assert _pairs(engine, base, _row(**{"directorate": "corporate_communications", **other})) == []


def _unreconciled(engine: Engine, now: datetime, *rows: dict[str, Any]) -> set[str]:
    with engine.begin() as conn:
        conn.execute(ACTIVITY.insert(), list(rows))
    with engine.connect() as conn:
        found = conn.execute(select(ACTIVITY.c.title).where(*unreconciled(now)))
        return {title for (title,) in found}


def test_a_planned_activity_whose_time_has_passed_is_unreconciled(engine: Engine) -> None:
    now = MONDAY + timedelta(days=1)
    found = _unreconciled(
        engine,
        now,
        _row(title="past, no end"),
        _row(title="past, ended", ends_at=MONDAY + timedelta(hours=2)),
        _row(title="started, not ended", ends_at=now + timedelta(hours=1)),
        _row(title="future", starts_at=now + timedelta(days=1)),
        _row(title="completed", status="completed"),
        _row(title="cancelled", status="cancelled"),
    )
    assert found == {"past, no end", "past, ended"}


def test_the_unreconciled_rule_counts_in_sql(engine: Engine) -> None:
    now = MONDAY + timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(ACTIVITY.insert(), [_row(), _row(status="completed")])
        counted = conn.execute(select(func.count()).where(*unreconciled(now))).scalar_one()
    assert counted == 1
