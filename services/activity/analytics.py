"""Finding and counting: filters, CSV export, aggregates, overlaps. Heavy work stays in SQL."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, literal_column, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from services.activity import repository
from services.activity.models import VolunteerHours
from shared.contracts.activity import (
    VOLUNTEER_DIMENSIONS,
    AggregateDimension,
    AggregatePeriod,
    AggregateResponse,
    AggregateRow,
)
from shared.contracts.taxonomy import (
    TOPIC_BITS,
    ActivityStatus,
    ActivityType,
    Classification,
    Directorate,
    ReviewState,
    Topic,
)
from shared.db import Database
from shared.problems import invalid

ACTIVITY = repository.ACTIVITY
LONDON = ZoneInfo("Europe/London")


def local_midnight(day: date) -> datetime:
    """The UTC instant a local (Europe/London) day starts at."""
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)


HOURS = VolunteerHours.__table__  # type: ignore[attr-defined]


@dataclass
class Filters:
    """Filters of the log (all optional, combined with AND); dates are local (Europe/London)."""

    area: str | None = None
    district: str | None = None
    directorate: Directorate | None = None
    activity_type: ActivityType | None = None
    topic: Topic | None = None
    classification: Classification | None = None
    status: ActivityStatus | None = None
    review_state: ReviewState | None = None
    plan_id: uuid.UUID | None = None
    from_: date | None = None
    to: date | None = None
    q: str | None = None
    # The caller's own limit (`Principal.districts`), not a filter it chose: never echoed.
    districts: frozenset[str] | None = None

    def check(self) -> None:
        if self.from_ is not None and self.to is not None and self.to < self.from_:
            raise invalid("query.to", "must not be before `from`")
        if self.q is not None and not repository.search_words(self.q):
            raise invalid("query.q", "give at least one word to search for")

    def applied(self) -> dict[str, str]:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and f.name != "districts":
                out[f.name.rstrip("_")] = str(value)
        return out

    def activity_only(self) -> bool:
        """Whether a filter is set that volunteer hours cannot follow."""
        return any(
            getattr(self, name) is not None
            for name in (
                "directorate",
                "activity_type",
                "topic",
                "classification",
                "review_state",
                "plan_id",
                "q",
            )
        )

    def month_counts_follow(self) -> bool:
        """Whether the monthly counts hold every column these filters need."""
        return all(
            getattr(self, name) is None for name in ("topic", "review_state", "plan_id", "q")
        )

    def equality_conditions(self, table: Any) -> list[Any]:
        """Equality filters on the counting columns, which the activities and the monthly
        count tables share by name."""
        c = table.c
        return [
            column == str(value)
            for column, value in (
                (c.area_code, self.area),
                (c.district_code, self.district),
                (c.directorate, self.directorate),
                (c.activity_type, self.activity_type),
                (c.classification, self.classification),
                (c.status, self.status),
            )
            if value is not None
        ] + repository.in_districts(c.district_code, self.districts)

    def conditions(self, dialect: str, *, counting: bool = False) -> list[Any]:
        """SQL conditions; `counting` keeps to the columns of the counting index."""
        c = ACTIVITY.c
        out = self.equality_conditions(ACTIVITY)
        if self.review_state is not None:
            out.append(c.review_state == str(self.review_state))
        if self.plan_id is not None:
            out.append(c.plan_id == self.plan_id)
        if self.topic is not None:
            out.append(repository.topic_condition(self.topic))
        # Local days as local dates (what the counting index holds) and as the UTC instants
        # they start and end at (what the newest-first order of lists and exports scans).
        if self.from_ is not None:
            out.append(c.local_date >= self.from_)
            if not counting:
                out.append(c.starts_at >= local_midnight(self.from_))
        if self.to is not None:
            out.append(c.local_date <= self.to)
            if not counting:
                out.append(c.starts_at < local_midnight(self.to + timedelta(days=1)))
        if self.q is not None:
            out.append(repository.search_condition(dialect, repository.search_words(self.q)))
        return out


# --- CSV export ----------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "id",
    "title",
    "status",
    "starts_at",
    "ends_at",
    "local_date",
    "directorate",
    "activity_type",
    "channel",
    "classification",
    "purpose",
    "topics",
    "area",
    "district",
    "venue",
    "latitude",
    "longitude",
    "attendees",
    "young_people",
    "intel_submitted",
    "plan_id",
    "review_state",
    "source",
    "logged_by",
    "notes",
    "version",
    "created_at",
    "updated_at",
)
EXPORT_BATCH = 5000
# The stored columns the export reads (not the nested details nor the search text).
_EXPORT_SOURCE = tuple(
    {"area": "area_code", "district": "district_code"}.get(name, name) for name in EXPORT_COLUMNS
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet could run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_cells(a: Any) -> list[Any]:
    text_cells = [
        a.title,
        a.venue,
        a.notes,
        a.logged_by,
        a.area_code,
        a.district_code,
    ]
    title, venue, notes, logged_by, area, district = (safe_cell(v) for v in text_cells)
    return [
        a.id,
        title,
        a.status,
        a.starts_at.isoformat(),
        a.ends_at.isoformat() if a.ends_at else "",
        a.local_date.isoformat(),
        a.directorate,
        a.activity_type,
        a.channel,
        a.classification,
        a.purpose or "",
        ";".join(a.topics),
        area,
        district,
        venue or "",
        "" if a.latitude is None else a.latitude,
        "" if a.longitude is None else a.longitude,
        "" if a.attendees is None else a.attendees,
        "" if a.young_people is None else a.young_people,
        a.intel_submitted,
        a.plan_id or "",
        a.review_state,
        a.source,
        logged_by,
        notes or "",
        a.version,
        a.created_at.isoformat(),
        a.updated_at.isoformat(),
    ]


async def export_csv(db: Database, filters: Filters) -> AsyncIterator[bytes]:
    """Keyset batches, each in its own short read: memory stays flat at any size."""
    dialect = "sqlite" if db.sqlite else "postgresql"
    conditions = filters.conditions(dialect)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    yield ("\ufeff" + buffer.getvalue()).encode()
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        async with db.read_sessions() as session:
            rows = await repository.list_activity_rows(
                session,
                columns=_EXPORT_SOURCE,
                conditions=conditions,
                after=after,
                limit=EXPORT_BATCH,
            )
        if not rows:
            return
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(export_cells(r) for r in rows)
        yield buffer.getvalue().encode()
        if len(rows) < EXPORT_BATCH:
            return
        after = (rows[-1].starts_at, rows[-1].id)


# --- aggregate -----------------------------------------------------------------------------


def period_key(local_month: Any, period: AggregatePeriod) -> Any:
    """Integer key of a period from a `local_month` (YYYYMM) column: same SQL on both backends."""
    if period is AggregatePeriod.month:
        return local_month
    if period is AggregatePeriod.quarter:
        return (local_month // 100) * 10 + ((local_month % 100) + 2) // 3
    return local_month // 100


def period_label(key: int | None, period: AggregatePeriod) -> str | None:
    if key is None:
        return None
    if period is AggregatePeriod.month:
        return f"{key // 100:04d}-{key % 100:02d}"
    if period is AggregatePeriod.quarter:
        return f"{key // 10:04d}-Q{key % 10}"
    return f"{key:04d}"


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
    return [
        func.coalesce(func.sum(n), 0).label("n"),
        func.coalesce(func.sum(attendees), 0).label("a"),
        func.coalesce(func.sum(young_people), 0).label("y"),
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
    covered months from the activities: the same sums as one scan of the activities."""
    months, edges = month_span(filters)
    parts: list[Any] = []
    if months is not None:
        first, last = months
        for table in (repository.MONTH_COUNT, repository.MONTH_COUNT_CHANGE):
            where = filters.equality_conditions(table)
            if first is not None:
                where.append(table.c.local_month >= first)
            if last is not None:
                where.append(table.c.local_month <= last)
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


async def aggregate(
    session: AsyncSession,
    group_by: list[AggregateDimension],
    period: AggregatePeriod,
    filters: Filters,
) -> AggregateResponse:
    """One pass of SQL over the covering index, whatever the grouping (topics included)."""
    dialect = repository.dialect_of(session)
    if filters.status is None:
        # Counting rule: what happened counts; planned and cancelled only when asked for.
        filters.status = ActivityStatus.completed
    plain: list[AggregateDimension] = [d for d in group_by if d is not AggregateDimension.topic]
    by_topic = AggregateDimension.topic in group_by
    group_columns = _grouping_columns(ACTIVITY, plain)
    where = [ACTIVITY.c.deleted_at.is_(None), *filters.conditions(dialect, counting=True)]
    if by_topic:
        stmt = _by_topic_statement(plain, group_columns, where, period)
    elif (
        dialect == "postgresql"
        and filters.month_counts_follow()
        and set(plain) <= _MONTH_COUNT_DIMENSIONS
    ):
        stmt = _month_counts_statement(plain, period, filters, dialect)
    else:
        stmt = _activities_statement(group_columns, where)
        if AggregateDimension.period in plain and period is not AggregatePeriod.month:
            # Grouped by month over the index, then months folded into quarters or years:
            # the arithmetic per row cost ~15% of a year-long query on PostgreSQL.
            stmt = _regrouped(stmt.subquery("by_month"), plain, period)
    grouped: dict[tuple[Any, ...], AggregateRow] = {}
    totals = AggregateRow(activities=0, attendees=0, young_people=0)
    for row in (await session.execute(stmt)).mappings():
        n, attendees, young = int(row["n"]), int(row["a"]), int(row["y"])
        if by_topic and row["is_total"]:
            # Grouped by topic, an activity is in several rows: totals come from SQL apart.
            totals = AggregateRow(activities=n, attendees=attendees, young_people=young)
            continue
        if not by_topic:
            totals.activities += n
            totals.attendees += attendees
            totals.young_people += young
        key = tuple(row[d.value] for d in group_by)
        grouped[key] = _row(group_by, key, period, n, attendees, young)
    if set(group_by) <= VOLUNTEER_DIMENSIONS and not filters.activity_only():
        await _add_volunteer_hours(session, group_by, period, filters, grouped, totals)
    rows = [grouped[k] for k in sorted(grouped, key=_sort_key)]
    return AggregateResponse(
        group_by=group_by, period=period, filters=filters.applied(), rows=rows, totals=totals
    )


def _sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((v is None, v if v is not None else 0) for v in key)


def _row(
    group_by: list[AggregateDimension],
    key: tuple[Any, ...],
    period: AggregatePeriod,
    activities: int,
    attendees: int,
    young_people: int,
) -> AggregateRow:
    values: dict[str, Any] = {}
    for dimension, value in zip(group_by, key, strict=True):
        if dimension is AggregateDimension.period:
            values["period"] = period_label(value, period)
        else:
            values[dimension.value] = value
    return AggregateRow(
        **values, activities=activities, attendees=int(attendees), young_people=int(young_people)
    )


async def _add_volunteer_hours(
    session: AsyncSession,
    group_by: list[AggregateDimension],
    period: AggregatePeriod,
    filters: Filters,
    grouped: dict[tuple[Any, ...], AggregateRow],
    totals: AggregateRow,
) -> None:
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
    where += repository.in_districts(h.district_code, filters.districts)
    if filters.from_ is not None:
        where.append(h.local_month >= filters.from_.year * 100 + filters.from_.month)
    if filters.to is not None:
        where.append(h.local_month <= filters.to.year * 100 + filters.to.month)
    stmt = (
        select(*[columns[d].label(d.value) for d in group_by], func.sum(h.hours).label("hours"))
        .where(*where)
        .group_by(*[columns[d] for d in group_by])
    )
    total = 0.0
    for row in (await session.execute(stmt)).mappings():
        key = tuple(row[d.value] for d in group_by)
        hours = float(row["hours"] or 0)
        total += hours
        if key not in grouped:
            grouped[key] = _row(group_by, key, period, 0, 0, 0)
        grouped[key].volunteer_hours = round(hours, 2)
    for item in grouped.values():
        if item.volunteer_hours is None:
            item.volunteer_hours = 0.0
    totals.volunteer_hours = round(total, 2)


# --- overlaps and reconciliation -----------------------------------------------------------


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
