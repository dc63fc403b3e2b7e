"""Queries of measurements. Flushes, never commits."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, insert, or_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi.measurements.models import (
    FORCE_WIDE,
    NO_DISTRICT,
    Measurement,
    MeasurementTotal,
    SocialAccount,
)
from shared.db import insert_ignoring_conflicts, table_of

TABLE = table_of(Measurement)
TOTAL = table_of(MeasurementTotal)
IDENTITY = ("kpi_code", "period", "area", "source_ref")
Key = tuple[str, str, str, str]
Group = tuple[str, str, str]  # (KPI, period, area): what a write recomputes the totals of
_CHUNK = 500
# The advisory-lock key space of the totals' groups (any fixed int4: keys of the two-int form
# never meet the one-bigint form other services' locks use, should they share a database).
_TOTALS_LOCKS = 0x4B4D54


async def existing(session: AsyncSession, keys: Sequence[Key]) -> dict[Key, Measurement]:
    """The stored measurements with these identities."""
    found: dict[Key, Measurement] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = list(keys[start : start + _CHUNK])
        stmt = select(Measurement).where(
            tuple_(TABLE.c.kpi_code, TABLE.c.period, TABLE.c.area, TABLE.c.source_ref).in_(chunk)
        )
        for row in (await session.execute(stmt)).scalars():
            found[(row.kpi_code, row.period, row.area, row.source_ref)] = row
    return found


async def insert_new(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    """Insert; a row whose identity a concurrent writer stored first is left out (the caller
    reads it back and treats it as existing)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    stmt = insert_ignoring_conflicts(TABLE, dialect, IDENTITY)
    for start in range(0, len(rows), _CHUNK):
        await session.execute(stmt, rows[start : start + _CHUNK])


@dataclass(frozen=True)
class PeriodTotals:
    """The measurements of one KPI and one recorded period, summed."""

    kpi_code: str
    period: str
    first_month: int
    last_month: int
    count: int
    value_sum: float
    numerator_sum: float | None
    denominator_sum: float | None
    last_updated: datetime | None


async def totals(
    session: AsyncSession,
    codes: Sequence[str],
    first_month: int,
    last_month: int,
    area: str | None,
) -> list[PeriodTotals]:
    """The measurements of `codes` per period within the months, of `area` (or of a district
    and its areas; None: all), summed from the precomputed totals of each area and district."""
    stmt = (
        select(
            TOTAL.c.kpi_code,
            TOTAL.c.period,
            TOTAL.c.first_month,
            TOTAL.c.last_month,
            func.sum(TOTAL.c.count),
            func.sum(TOTAL.c.value_sum),
            func.sum(TOTAL.c.numerator_sum),  # NULL only when every group's is
            func.sum(TOTAL.c.denominator_sum),
            func.max(TOTAL.c.last_updated),
        )
        .where(
            and_(
                TOTAL.c.kpi_code.in_(list(codes)),
                TOTAL.c.first_month >= first_month,
                TOTAL.c.last_month <= last_month,
            )
        )
        .group_by(TOTAL.c.kpi_code, TOTAL.c.period, TOTAL.c.first_month, TOTAL.c.last_month)
    )
    if area == FORCE_WIDE:
        # A NULL district never equalled it; NO_DISTRICT, its stand-in here, would.
        stmt = stmt.where(TOTAL.c.area == area)
    elif area is not None:
        stmt = stmt.where(or_(TOTAL.c.area == area, TOTAL.c.district == area))
    rows = (await session.execute(stmt)).all()
    return [
        PeriodTotals(
            kpi_code=r[0],
            period=r[1],
            first_month=r[2],
            last_month=r[3],
            count=int(r[4]),
            value_sum=float(r[5] or 0.0),
            numerator_sum=None if r[6] is None else float(r[6]),
            denominator_sum=None if r[7] is None else float(r[7]),
            last_updated=r[8],
        )
        for r in rows
    ]


def _lock_key(group: Group) -> int:
    digest = hashlib.blake2b("\x1f".join(group).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


async def refresh_totals(session: AsyncSession, groups: Iterable[Group]) -> None:
    """Recompute the totals of these (KPI, period, area), every district, from their
    measurements: call it after writing them (flushed), in the same transaction.

    Exact under concurrent writers: on PostgreSQL a writer first takes a transaction-level
    advisory lock per group (all in one order: no deadlock), held until it commits; its
    recompute, a later statement under READ COMMITTED, sees every write committed by the
    writers that held them before it (without the locks, two writers of one group would each
    sum without the other's rows). SQLite admits one writer at a time."""
    wanted = sorted(set(groups))
    if not wanted:
        return
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:space, k) FROM unnest(CAST(:keys AS integer[])) k"),
            {"space": _TOTALS_LOCKS, "keys": sorted({_lock_key(g) for g in wanted})},
        )
    district = func.coalesce(TABLE.c.district, NO_DISTRICT)
    keys = (TABLE.c.kpi_code, TABLE.c.period, TABLE.c.area, district)
    months = (TABLE.c.first_month, TABLE.c.last_month)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        # Deleted and summed again: a group whose last measurement left (a district changed
        # by a correction) goes, and the latest `updated_at` is always the stored one.
        await session.execute(
            delete(TOTAL).where(tuple_(TOTAL.c.kpi_code, TOTAL.c.period, TOTAL.c.area).in_(chunk))
        )
        sums = (
            select(
                *keys,
                *months,
                func.count(),
                func.sum(TABLE.c.value),
                func.sum(TABLE.c.numerator),
                func.sum(TABLE.c.denominator),
                func.max(TABLE.c.updated_at),
            )
            .where(tuple_(TABLE.c.kpi_code, TABLE.c.period, TABLE.c.area).in_(chunk))
            .group_by(*keys, *months)
        )
        columns = [
            *("kpi_code", "period", "area", "district", "first_month", "last_month"),
            *("count", "value_sum", "numerator_sum", "denominator_sum", "last_updated"),
        ]
        await session.execute(insert(TOTAL).from_select(columns, sums))


@dataclass(frozen=True)
class HourTotals:
    hour: int
    out_sum: float
    total_sum: float
    days: int


async def by_hour(
    session: AsyncSession, code: str, first_month: int, last_month: int, area: str | None
) -> tuple[list[HourTotals], int]:
    """Per hour of day: officers out, officers on duty, days with data; and days overall."""
    day = func.substr(TABLE.c.source_ref, 1, 10)  # by-hour refs are `YYYY-MM-DDTHH`
    where = and_(
        TABLE.c.kpi_code == code,
        TABLE.c.hour.is_not(None),
        TABLE.c.first_month >= first_month,
        TABLE.c.last_month <= last_month,
    )
    if area is not None:
        where = and_(where, or_(TABLE.c.area == area, TABLE.c.district == area))
    stmt = (
        select(
            TABLE.c.hour,
            func.sum(TABLE.c.numerator),
            func.sum(TABLE.c.denominator),
            func.count(func.distinct(day)),
        )
        .where(where)
        .group_by(TABLE.c.hour)
        .order_by(TABLE.c.hour)
    )
    rows = [
        HourTotals(hour=r[0], out_sum=float(r[1] or 0), total_sum=float(r[2] or 0), days=r[3])
        for r in (await session.execute(stmt)).all()
    ]
    days = (await session.execute(select(func.count(func.distinct(day))).where(where))).scalar_one()
    return rows, int(days or 0)


async def list_measurements(
    session: AsyncSession,
    *,
    code: str | None,
    first_month: int | None,
    last_month: int | None,
    area: str | None,
    after: tuple[str, str, str, str] | None,
    limit: int,
) -> list[Measurement]:
    stmt = select(Measurement)
    if code is not None:
        stmt = stmt.where(TABLE.c.kpi_code == code)
    if first_month is not None:
        stmt = stmt.where(TABLE.c.first_month >= first_month)
    if last_month is not None:
        stmt = stmt.where(TABLE.c.last_month <= last_month)
    if area is not None:
        stmt = stmt.where(or_(TABLE.c.area == area, TABLE.c.district == area))
    key = tuple_(TABLE.c.kpi_code, TABLE.c.period, TABLE.c.area, TABLE.c.source_ref)
    if after is not None:
        stmt = stmt.where(key > tuple_(*after))
    stmt = stmt.order_by(TABLE.c.kpi_code, TABLE.c.period, TABLE.c.area, TABLE.c.source_ref).limit(
        limit
    )
    return list((await session.execute(stmt)).scalars())


async def social_accounts(session: AsyncSession) -> dict[str, SocialAccount]:
    rows = (await session.execute(select(SocialAccount))).scalars()
    return {r.account: r for r in rows}


async def get_social_account(session: AsyncSession, account: str) -> SocialAccount | None:
    return await session.get(SocialAccount, account, with_for_update=True)


async def add(session: AsyncSession, row: object) -> None:
    session.add(row)
    await session.flush()
