"""The SQL of the aggregates: one pass over the counting index, or the monthly counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)

from services.activity.activities.repository import ACTIVITY
from services.activity.analytics.filters import Filters
from services.activity.analytics.models import (
    ActivityDistrictMonthCount,
    ActivityMonthCount,
    ActivityMonthCountChange,
)
from services.activity.districts import in_districts
from services.activity.volunteering.models import VolunteerHours
from shared.contracts.activity import (
    AggregateDimension,
    AggregatePeriod,
)
from shared.contracts.taxonomy import (
    TOPIC_BITS,
)
from shared.db import table_of

MONTH_COUNT = table_of(ActivityMonthCount)
MONTH_COUNT_CHANGE = table_of(ActivityMonthCountChange)
DISTRICT_MONTH_COUNT = table_of(ActivityDistrictMonthCount)
HOURS = table_of(VolunteerHours)


def period_key(local_month: Any, period: AggregatePeriod) -> Any:
    """Integer key of a period from a `local_month` (YYYYMM) column: same SQL on both backends."""
    if period is AggregatePeriod.month:
        return local_month
    if period is AggregatePeriod.quarter:
        return (local_month // 100) * 10 + ((local_month % 100) + 2) // 3
    return local_month // 100


_COLUMN_OF = {
    AggregateDimension.period: "local_month",
    AggregateDimension.district: "district_code",
    AggregateDimension.area: "area_code",
    AggregateDimension.directorate: "directorate",
    AggregateDimension.activity_type: "activity_type",
    AggregateDimension.classification: "classification",
    AggregateDimension.purpose: "purpose",
    AggregateDimension.channel: "channel",
}
# Groupings the monthly counts are kept by; any other is counted from the activities.
_MONTH_COUNT_DIMENSIONS = frozenset(_COLUMN_OF) - {
    AggregateDimension.purpose,
    AggregateDimension.channel,
}


def _grouping_columns(table: Any, plain: list[AggregateDimension]) -> list[Any]:
    """The stored columns behind the groupings, labelled by grouping (periods by month first),
    on the activities or a monthly count table (they share the names)."""
    return [table.c[_COLUMN_OF[d]].label(d.value) for d in plain]


def _topic_bits() -> Any:
    """(topic, bit) for every topic, as a derived table written the same on both backends."""
    rows: list[Any] = [
        select(
            literal_column(f"'{topic.value}'").label("topic"),
            literal_column(str(bit)).label("bit"),
        )
        for topic, bit in TOPIC_BITS.items()
    ]
    return union_all(*rows).subquery("topic_bits")


def _sums(n: Any, attendees: Any, young_people: Any) -> list[Any]:
    # PostgreSQL sums bigints as numeric; read back as bigints, not Decimals, the driver
    # decodes them for half the CPU (three years by month and type: ~3.2 -> ~1.7 ms a call).
    return [
        cast(func.coalesce(func.sum(n), 0), BigInteger).label("n"),
        cast(func.coalesce(func.sum(attendees), 0), BigInteger).label("a"),
        cast(func.coalesce(func.sum(young_people), 0), BigInteger).label("y"),
    ]


def _outer_keys(source: Any, plain: list[AggregateDimension], period: AggregatePeriod) -> list[Any]:
    """Grouping keys over a month-grouped set: the period's arithmetic runs once per group."""
    return [
        (
            period_key(source.c[d.value], period)
            if d is AggregateDimension.period
            else source.c[d.value]
        ).label(d.value)
        for d in plain
    ]


def _by_topic_statement(
    plain: list[AggregateDimension],
    group_columns: list[Any],
    where: list[Any],
    period: AggregatePeriod,
) -> Any:
    """Grouped by topic, all in SQL, over one scan of the counting index.

    First by the other groupings and the topic mask (a few hundred combinations), then that
    small set joined to (topic, bit): an activity counts once under each topic whose bit its
    mask has, and under a null topic when it has none (the outer join finds no bit). A second
    branch sums the masks once each: the totals, where an activity counts once.
    """
    c = ACTIVITY.c
    by_mask = (
        select(
            *group_columns,
            c.topic_mask.label("topic_mask"),
            func.count().label("n"),
            func.sum(c.attendees).label("a"),
            func.sum(c.young_people).label("y"),
        )
        .select_from(ACTIVITY)
        .where(*where)
        .group_by(*[col.element for col in group_columns], c.topic_mask)
        .cte("by_mask")
    )
    bits = _topic_bits()
    dims = _outer_keys(by_mask, plain, period)
    grouped = (
        select(
            literal_column("0").label("is_total"),
            *dims,
            bits.c.topic.label("topic"),
            *_sums(by_mask.c.n, by_mask.c.a, by_mask.c.y),
        )
        .select_from(by_mask.outerjoin(bits, by_mask.c.topic_mask.op("&")(bits.c.bit) != 0))
        .group_by(*[d.element for d in dims], bits.c.topic)
    )
    totals: Any = select(
        literal_column("1"),
        *[null() for _ in dims],
        null(),
        *_sums(by_mask.c.n, by_mask.c.a, by_mask.c.y),
    ).select_from(by_mask)
    return union_all(grouped, totals)


def _activities_statement(group_columns: list[Any], where: list[Any]) -> Any:
    stmt = (
        select(
            *group_columns,
            func.count().label("n"),
            func.coalesce(func.sum(ACTIVITY.c.attendees), 0).label("a"),
            func.coalesce(func.sum(ACTIVITY.c.young_people), 0).label("y"),
        )
        .select_from(ACTIVITY)
        .where(*where)
    )
    if group_columns:
        stmt = stmt.group_by(*[col.element for col in group_columns])
    return stmt


def _regrouped(source: Any, plain: list[AggregateDimension], period: AggregatePeriod) -> Any:
    """Sum a set of (groupings, n, a, y) rows again by the requested groupings.

    Groups that sum to no activity are left out (a change and its undoing in the monthly
    counts), as a grouped scan of the activities never shows them.
    """
    keys = _outer_keys(source, plain, period)
    stmt = select(*keys, *_sums(source.c.n, source.c.a, source.c.y))
    if keys:
        stmt = stmt.group_by(*[k.element for k in keys]).having(func.sum(source.c.n) != 0)
    return stmt


Months = tuple[int | None, int | None]


def _planned_with(month: int) -> Any:
    """A month bound written into the SQL, not sent as a parameter: the driver keeps each
    statement prepared, and after five runs PostgreSQL may plan it once for any bounds (a
    range it guesses at 0.5% of the table), which sorted three years of counts instead of
    hashing them (~4 -> ~14 ms). Bounds are integers we computed, never text from a caller."""
    return bindparam(None, month, type_=Integer, literal_execute=True)


def month_span(filters: Filters) -> tuple[Months | None, list[tuple[date, date]]]:
    """Split `from`..`to` into whole months (YYYYMM bounds, None = open; None if there is no
    whole month) and the days of partly covered months at either end."""
    lo, hi = filters.from_, filters.to
    first = None if lo is None else lo.year * 100 + lo.month
    last = None if hi is None else hi.year * 100 + hi.month
    starts_month = lo is None or lo.day == 1
    ends_month = hi is None or (hi + timedelta(days=1)).day == 1
    if lo is not None and hi is not None and first == last and not (starts_month and ends_month):
        return None, [(lo, hi)]
    # A bound one past a month (202213, 202300) names no month but orders correctly between
    # its neighbours, which is all a range bound needs.
    edges: list[tuple[date, date]] = []
    if lo is not None and not starts_month:
        month_end = (lo.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        edges.append((lo, month_end))
        first = lo.year * 100 + lo.month + 1
    if hi is not None and not ends_month:
        edges.append((hi.replace(day=1), hi))
        last = hi.year * 100 + hi.month - 1
    if first is not None and last is not None and first > last:
        return None, edges
    return (first, last), edges


def _month_counts_statement(
    plain: list[AggregateDimension], period: AggregatePeriod, filters: Filters, dialect: str
) -> Any:
    """Whole months from the monthly counts (folded and not yet folded), the days of partly
    covered months from the activities: the same sums as one scan of the activities. With
    no area grouped by or filtered on, the folded counts are read summed by district (one
    row for ~6 of the areas')."""
    months, edges = month_span(filters)
    parts: list[Any] = []
    by_area = AggregateDimension.area in plain or filters.area is not None
    folded = MONTH_COUNT if by_area else DISTRICT_MONTH_COUNT
    if months is not None:
        first, last = months
        for table in (folded, MONTH_COUNT_CHANGE):
            where = filters.equality_conditions(table)
            if first is not None:
                where.append(table.c.local_month >= _planned_with(first))
            if last is not None:
                where.append(table.c.local_month <= _planned_with(last))
            parts.append(
                select(
                    *_grouping_columns(table, plain),
                    table.c.activities.label("n"),
                    table.c.attendees.label("a"),
                    table.c.young_people.label("y"),
                ).where(*where)
            )
    for lo, hi in edges:
        days = replace(filters, from_=lo, to=hi)
        where = [ACTIVITY.c.deleted_at.is_(None), *days.conditions(dialect, counting=True)]
        parts.append(_activities_statement(_grouping_columns(ACTIVITY, plain), where))
    return _regrouped(union_all(*parts).subquery("counted"), plain, period)


def aggregate_statement(
    group_by: list[AggregateDimension], period: AggregatePeriod, filters: Filters, dialect: str
) -> Any:
    """One pass of SQL over the covering index, whatever the grouping (topics included); on
    PostgreSQL the monthly counts instead when they hold every column the filters need.
    Grouped by topic, the rows carry `is_total` (the totals row, where an activity counts
    once)."""
    plain: list[AggregateDimension] = [d for d in group_by if d is not AggregateDimension.topic]
    group_columns = _grouping_columns(ACTIVITY, plain)
    where = [ACTIVITY.c.deleted_at.is_(None), *filters.conditions(dialect, counting=True)]
    if AggregateDimension.topic in group_by:
        return _by_topic_statement(plain, group_columns, where, period)
    if (
        dialect == "postgresql"
        and filters.month_counts_follow()
        and set(plain) <= _MONTH_COUNT_DIMENSIONS
    ):
        return _month_counts_statement(plain, period, filters, dialect)
    stmt = _activities_statement(group_columns, where)
    if AggregateDimension.period in plain and period is not AggregatePeriod.month:
        # Grouped by month over the index, then months folded into quarters or years:
        # the arithmetic per row cost ~15% of a year-long query on PostgreSQL.
        stmt = _regrouped(stmt.subquery("by_month"), plain, period)
    return stmt


def hours_statement(
    group_by: list[AggregateDimension], period: AggregatePeriod, filters: Filters
) -> Any:
    """Volunteer hours summed by the groupings they share with activities (`hours`)."""
    h = HOURS.c
    columns = {
        AggregateDimension.period: period_key(h.local_month, period),
        AggregateDimension.district: h.district_code,
        AggregateDimension.area: h.area_code,
    }
    where: list[Any] = []
    if filters.area is not None:
        where.append(h.area_code == filters.area)
    if filters.district is not None:
        where.append(h.district_code == filters.district)
    where += in_districts(h.district_code, filters.districts)
    if filters.from_ is not None:
        where.append(h.local_month >= filters.from_.year * 100 + filters.from_.month)
    if filters.to is not None:
        where.append(h.local_month <= filters.to.year * 100 + filters.to.month)
    return (
        select(*[columns[d].label(d.value) for d in group_by], func.sum(h.hours).label("hours"))
        .where(*where)
        .group_by(*[columns[d] for d in group_by])
    )
