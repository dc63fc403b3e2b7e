"""Queries of finding and counting: overlaps, the monthly counts and their fold."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from sqlalchemy import (
    and_,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.activity.activities.models import (
    Activity,
)
from services.activity.activities.repository import ACTIVITY, dialect_of, rowcount
from services.activity.analytics.statements import DISTRICT_MONTH_COUNT, MONTH_COUNT
from services.activity.districts import in_districts


async def overlapping_pairs(
    session: AsyncSession,
    pair_rule: Callable[[Any, Any], Any],
    filters: list[Callable[[Any], Any]],
    limit: int,
    districts: frozenset[str] | None = None,
) -> list[tuple[Activity, Activity]]:
    """Pairs of activities `pair_rule` joins (both of them in the caller's districts), the
    first of each pair matching `filters`, in week, area and time order."""
    # Any: SQLModel types an aliased entity's columns as their Python values.
    first: Any = aliased(Activity, name="a")
    second: Any = aliased(Activity, name="b")
    stmt = (
        select(first, second)
        .join(
            second, and_(pair_rule(first, second), *in_districts(second.district_code, districts))
        )
        .where(
            *[condition(first) for condition in filters],
            *in_districts(first.district_code, districts),
        )
        .order_by(first.week_start, first.area_code, first.starts_at, first.id, second.id)
        .limit(limit)
    )
    return [(a, b) for a, b in (await session.execute(stmt)).all()]


# The driver's SQL and parameters of the aggregates run lately, by what built them (see
# `rows_of`); bounded, as keys hold callers' filter values.
_DRIVER_SQL: OrderedDict[Hashable, tuple[str, Any]] = OrderedDict()
_DRIVER_SQL_SIZE = 512


async def rows_of(
    session: AsyncSession, key: Hashable, build: Callable[[], Any]
) -> tuple[dict[str, int], Sequence[Any]]:
    """The rows of the aggregate statement `build` makes (`statements`), as tuples, and the
    position of each column by name (fetched at once: row by row costs the async driver
    adapter a call per row; a mapping per row costs a fifth of the loop over them).

    `key` is everything the statement is built from. Building it, keying it for SQLAlchemy's
    compiled cache and rendering its literal month bounds cost more Python than running it,
    so the text and parameters SQLAlchemy sent the first time are sent as they are after that:
    the same SQL to the database, the same prepared statement in the driver's cache. The
    columns these statements read need no result conversion (integers, text), so rows read
    the same either way."""
    connection = await session.connection()
    dialect = connection.dialect
    full_key = (dialect.name, dialect.driver, key)
    sent = _DRIVER_SQL.get(full_key)
    if sent is not None:
        _DRIVER_SQL.move_to_end(full_key)
        result = await connection.exec_driver_sql(*sent)
    else:
        result = await connection.execute(build())
        context = result.context
        _DRIVER_SQL[full_key] = (context.statement, context.parameters[0])
        if len(_DRIVER_SQL) > _DRIVER_SQL_SIZE:
            _DRIVER_SQL.popitem(last=False)
    return {name: i for i, name in enumerate(result.keys())}, result.all()


# The counting columns (the key) and what is summed per key, as the table declares them.
MONTH_COUNT_KEYS = tuple(column.name for column in MONTH_COUNT.primary_key.columns)
MONTH_COUNT_MEASURES = tuple(c.name for c in MONTH_COUNT.columns if not c.primary_key)
# Folds of every process and replica take turns on this advisory lock (any fixed number).
_FOLD_LOCK = 7_406_001


def _fold_statement() -> Any:
    keys = ", ".join(MONTH_COUNT_KEYS)
    measures = ", ".join(MONTH_COUNT_MEASURES)
    sums = ", ".join(f"sum({m})" for m in MONTH_COUNT_MEASURES)
    added = ", ".join(
        f"{m} = activity_month_count.{m} + EXCLUDED.{m}" for m in MONTH_COUNT_MEASURES
    )
    # One statement, one snapshot: exactly the changes it deletes are the ones it adds.
    return text(
        f"WITH moved AS (DELETE FROM activity_month_count_change RETURNING {keys}, {measures}) "
        f"INSERT INTO activity_month_count ({keys}, {measures}) "
        f"SELECT {keys}, {sums} FROM moved GROUP BY {keys} "
        f"ON CONFLICT ({keys}) DO UPDATE SET {added}"
    )


_FOLD = _fold_statement()


async def fold_month_counts(session: AsyncSession) -> int:
    """Fold the appended changes into the monthly counts; how many count rows it touched.

    Counts read the sum over both tables, so a fold never changes an answer, only how many
    rows the next one reads. Nothing to do on SQLite (no triggers there) or while another
    fold holds the lock.
    """
    if dialect_of(session) != "postgresql":
        return 0
    locked = await session.execute(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _FOLD_LOCK}
    )
    if not locked.scalar_one():
        return 0
    touched = rowcount(await session.execute(_FOLD))
    if touched:
        # The district counts follow by trigger (migration 7c1d5e9a2b40), zeros included.
        for table in (MONTH_COUNT, DISTRICT_MONTH_COUNT):
            await session.execute(delete(table).where(table.c.activities == 0))
    return touched


async def count_activities(session: AsyncSession, conditions: list[Any]) -> int:
    """How many live activities meet `conditions`, in one SQL count."""
    stmt = select(func.count()).select_from(ACTIVITY).where(ACTIVITY.c.deleted_at.is_(None))
    return int((await session.execute(stmt.where(*conditions))).scalar_one())
