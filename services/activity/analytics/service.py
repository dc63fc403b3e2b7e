"""Rules of finding and counting: the counting rule of aggregates, the overlap rule, the
unreconciled rule. The SQL they run is built in `statements.py`, run by `repository.py`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import partial
from typing import Any

from pydantic_core import to_json
from sqlalchemy import ColumnElement, and_, func, or_
from sqlalchemy.ext.asyncio import AsyncSession

from services.activity.activities.models import Activity
from services.activity.activities.repository import ACTIVITY, dialect_of
from services.activity.activities.schemas import ActivityRead
from services.activity.activities.service import list_activities
from services.activity.analytics import repository, statements
from services.activity.analytics.filters import Filters
from shared.contracts.activity import (
    VOLUNTEER_DIMENSIONS,
    AggregateDimension,
    AggregatePeriod,
    AggregateRow,
    UnreconciledSummary,
)
from shared.contracts.taxonomy import ActivityStatus
from shared.db import utcnow
from shared.pagination import CursorPage

PLANNED = ActivityStatus.planned.value


def apply_counting_rule(filters: Filters) -> Filters:
    """The counting rule: what happened counts; planned and cancelled activities only when
    `status` asks for them (so the answer's `filters` says `status: completed`)."""
    if filters.status is None:
        filters.status = ActivityStatus.completed
    return filters


def overlap_of(first: Any, second: Any) -> ColumnElement[bool]:
    """The overlap rule: two planned (not deleted) activities of different directorates in
    the same local week, in the same area or at the same venue (case aside). Each pair once:
    the first is the one whose directorate sorts first."""
    same_venue = and_(first.venue.is_not(None), func.lower(first.venue) == func.lower(second.venue))
    return and_(
        first.status == PLANNED,
        first.deleted_at.is_(None),
        second.status == PLANNED,
        second.deleted_at.is_(None),
        second.week_start == first.week_start,
        second.directorate > first.directorate,
        or_(second.area_code == first.area_code, same_venue),
    )


def overlap_reason(first: Activity, second: Activity) -> str:
    return "same_area" if first.area_code == second.area_code else "same_venue"


def unreconciled(now: datetime) -> list[Any]:
    """The unreconciled rule: a planned activity whose time has passed (its end, or its start
    when it has no end) was never marked completed or cancelled."""
    return [
        ACTIVITY.c.status == PLANNED,
        ACTIVITY.c.starts_at < now,
        func.coalesce(ACTIVITY.c.ends_at, ACTIVITY.c.starts_at) < now,
    ]


async def unreconciled_page(
    session: AsyncSession, filters: Filters, cursor: str | None, limit: int
) -> CursorPage[ActivityRead]:
    """The unreconciled activities `filters` narrow, as a page of the log."""
    return await list_activities(session, filters, cursor, limit, *unreconciled(utcnow()))


async def unreconciled_summary(session: AsyncSession, filters: Filters) -> UnreconciledSummary:
    """How many activities the unreconciled rule finds under `filters`: exact, at any volume."""
    now = utcnow()
    conditions = [*filters.conditions(dialect_of(session)), *unreconciled(now)]
    return UnreconciledSummary(
        unreconciled=await repository.count_activities(session, conditions),
        as_of=now,
        filters=filters.applied(),
    )


def overlap_filters(
    district: str | None, area: str | None, from_: date | None, to: date | None
) -> list[Callable[[Any], Any]]:
    out: list[Callable[[Any], Any]] = []
    if district is not None:
        out.append(lambda t: t.district_code == district)
    if area is not None:
        out.append(lambda t: t.area_code == area)
    if from_ is not None:
        out.append(lambda t: t.local_date >= from_)
    if to is not None:
        out.append(lambda t: t.local_date <= to)
    return out


async def overlaps(
    session: AsyncSession,
    filters: list[Callable[[Any], Any]],
    limit: int,
    districts: frozenset[str] | None,
) -> list[tuple[Activity, Activity, str]]:
    pairs = await repository.overlapping_pairs(session, overlap_of, filters, limit, districts)
    return [(a, b, overlap_reason(a, b)) for a, b in pairs]


def period_label(key: int | None, period: AggregatePeriod) -> str | None:
    if key is None:
        return None
    if period is AggregatePeriod.month:
        return f"{key // 100:04d}-{key % 100:02d}"
    if period is AggregatePeriod.quarter:
        return f"{key // 10:04d}-Q{key % 10}"
    return f"{key:04d}"


async def aggregate(
    session: AsyncSession,
    group_by: list[AggregateDimension],
    period: AggregatePeriod,
    filters: Filters,
) -> bytes:
    """Counts, attendees and young people by the groupings; volunteer hours beside them: the
    contract's `AggregateResponse`, as its JSON."""
    apply_counting_rule(filters)
    by_topic = AggregateDimension.topic in group_by
    dialect = dialect_of(session)
    key = ("aggregate", tuple(group_by), period, filters.key())
    names = [d.value for d in group_by]
    # Sums per group as plain lists, the rows built at the end: a few hundred groups cost ~3x
    # less than a model per group updated in place.
    grouped: dict[tuple[Any, ...], list[Any]] = {}
    totals = [0, 0, 0]
    topic_totals: list[int] | None = None
    build = partial(statements.aggregate_statement, group_by, period, filters, dialect)
    columns, found = await repository.rows_of(session, key, build)
    at = [columns[name] for name in names]
    n, a, y = columns["n"], columns["a"], columns["y"]
    total_at = columns.get("is_total") if by_topic else None
    for row in found:
        sums = [int(row[n]), int(row[a]), int(row[y])]
        if total_at is not None and row[total_at]:
            # Grouped by topic, an activity is in several rows: totals come from SQL apart.
            topic_totals = sums
            continue
        totals[0] += sums[0]
        totals[1] += sums[1]
        totals[2] += sums[2]
        grouped[tuple([row[i] for i in at])] = sums
    if by_topic:
        totals = topic_totals or [0, 0, 0]
    hours: dict[tuple[Any, ...], float] | None = None
    if set(group_by) <= VOLUNTEER_DIMENSIONS and not filters.activity_only():
        hours = await _volunteer_hours(session, group_by, period, filters)
        for group in hours:
            grouped.setdefault(group, [0, 0, 0])
    labels: dict[Any, str | None] = {}
    rows = [_row(names, group, period, grouped[group], hours, labels) for group in _sorted(grouped)]
    total = _ROW.copy()
    total.update(zip(_MEASURES, totals, strict=True))
    if hours is not None:
        total["volunteer_hours"] = round(sum(hours.values()), 2)
    # Written as FastAPI writes the model (pydantic's JSON, fields in order), without
    # validating a few hundred rows this code built to the contract's types (~6% of the
    # service's CPU per scorecard); tests check the answer reads back as the model.
    return to_json(
        {
            "group_by": [d.value for d in group_by],
            "period": period.value,
            "filters": filters.applied(),
            "rows": rows,
            "totals": total,
        }
    )


_MEASURES = ("activities", "attendees", "young_people")
_PERIOD = AggregateDimension.period.value


def _sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((v is None, v if v is not None else 0) for v in key)


def _sorted(keys: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Groups in key order, nulls last: without a null anywhere, as the keys compare."""
    keys = list(keys)
    if any(None in key for key in keys):
        return sorted(keys, key=_sort_key)
    return sorted(keys)


# Every field of a row in the contract's order, each null until set.
_ROW: dict[str, Any] = dict.fromkeys(AggregateRow.model_fields)


def _row(
    names: list[str],
    key: tuple[Any, ...],
    period: AggregatePeriod,
    sums: list[int],
    hours: dict[tuple[Any, ...], float] | None,
    labels: dict[Any, str | None],
) -> dict[str, Any]:
    """One row of the answer, as the contract's `AggregateRow` writes it (`labels`: the
    period labels made so far)."""
    values = _ROW.copy()
    values.update(zip(names, key, strict=True))
    if _PERIOD in values and (month := values[_PERIOD]) is not None:
        if month not in labels:
            labels[month] = period_label(month, period)
        values[_PERIOD] = labels[month]
    values["activities"], values["attendees"], values["young_people"] = sums
    if hours is not None:
        values["volunteer_hours"] = round(hours.get(key, 0.0), 2)
    return values


async def _volunteer_hours(
    session: AsyncSession,
    group_by: list[AggregateDimension],
    period: AggregatePeriod,
    filters: Filters,
) -> dict[tuple[Any, ...], float]:
    """Volunteer hours by the groupings' keys (as the counts are keyed)."""
    key = ("hours", tuple(group_by), period, filters.key())
    build = partial(statements.hours_statement, group_by, period, filters)
    columns, found = await repository.rows_of(session, key, build)
    at = [columns[d.value] for d in group_by]
    hours = columns["hours"]
    return {tuple([row[i] for i in at]): float(row[hours] or 0) for row in found}
