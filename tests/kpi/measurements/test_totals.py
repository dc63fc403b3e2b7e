"""Measurement totals: `kpi_measurement_total` is always the measurements summed per KPI,
period, area and district, and `totals` answers from it exactly what summing the measurements
answered (every area filter), through inserts, resends, corrections, imports, concurrent
writers, the demo loader and the upgrade that creates it."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import uuid
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi.calculation.periods import parse_period
from services.kpi.demo import load_demo
from services.kpi.measurements import repository, service
from services.kpi.measurements.repository import TABLE, TOTAL
from shared.db import Database, utcnow
from shared.migrations import upgrade
from tests.kpi.conftest import Stack
from tests.kpi.test_measurements import GENERIC, PATH, STATION, _import
from tests.support.databases import DatabaseFactory

CODES = (
    "beat_page_views",
    "social_media_interactions",
    "time_out_of_station",
    "two_minute_survey_response_rate",
)
AREAS = (None, "", "BRS", "BRS-01", "NSM", "NSM-01", "BS", "NOPE")
Row = tuple[Any, ...]


def _close(found: Sequence[Row], expected: Sequence[Row]) -> None:
    """Row by row equal; sums of floats to within rounding (they may be added in any order)."""
    assert len(found) == len(expected), (found, expected)
    for got, want in zip(found, expected, strict=True):
        assert len(got) == len(want)
        for a, b in zip(got, want, strict=True):
            if isinstance(a, float) and isinstance(b, float):
                assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9), (got, want)
            else:
                assert a == b, (got, want)


async def _summed(session: AsyncSession, area: str | None) -> list[Row]:
    """The measurements summed per KPI and period, as `totals` did before the totals table."""
    stmt = (
        select(
            TABLE.c.kpi_code,
            TABLE.c.period,
            TABLE.c.first_month,
            TABLE.c.last_month,
            func.count(),
            func.sum(TABLE.c.value),
            func.sum(TABLE.c.numerator),
            func.sum(TABLE.c.denominator),
            func.max(TABLE.c.updated_at),
        )
        .where(and_(TABLE.c.kpi_code.in_(CODES), TABLE.c.first_month >= 0))
        .group_by(TABLE.c.kpi_code, TABLE.c.period, TABLE.c.first_month, TABLE.c.last_month)
    )
    if area is not None:
        stmt = stmt.where(or_(TABLE.c.area == area, TABLE.c.district == area))
    rows = [
        (
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            float(r[5]),
            *(None if v is None else float(v) for v in r[6:8]),
            r[8],
        )
        for r in (await session.execute(stmt)).all()
    ]
    return sorted(rows)


async def _agree(db: Database) -> int:
    """The totals table is the measurements grouped, and `totals` answers as summing them did,
    force-wide and for every area; how many groups the table holds."""
    district = func.coalesce(TABLE.c.district, "")
    keys = (TABLE.c.kpi_code, TABLE.c.period, TABLE.c.area, district)
    async with db.read_sessions() as session:
        grouped = (
            await session.execute(
                select(
                    *keys,
                    TABLE.c.first_month,
                    TABLE.c.last_month,
                    func.count(),
                    func.sum(TABLE.c.value),
                    func.sum(TABLE.c.numerator),
                    func.sum(TABLE.c.denominator),
                    func.max(TABLE.c.updated_at),
                ).group_by(*keys, TABLE.c.first_month, TABLE.c.last_month)
            )
        ).all()
        stored = (await session.execute(select(TOTAL))).all()
        _close(sorted(map(tuple, stored)), sorted(map(tuple, grouped)))
        for area in AREAS:
            answered = await repository.totals(session, CODES, 0, 10**6, area)
            rows = [
                (
                    t.kpi_code,
                    t.period,
                    t.first_month,
                    t.last_month,
                    t.count,
                    t.value_sum,
                    t.numerator_sum,
                    t.denominator_sum,
                    t.last_updated,
                )
                for t in answered
            ]
            _close(sorted(rows), await _summed(session, area))
    return len(stored)


def _item(**overrides: Any) -> dict[str, Any]:
    return {"kpi": "beat_page_views", "period": "2022-07", "value": 100, **overrides}


async def _post(client: httpx.AsyncClient, items: list[dict[str, Any]]) -> dict[str, Any]:
    response = await client.post(PATH, json=items)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_totals_stay_the_measurements_summed_through_every_write(stack: Stack) -> None:
    db: Database = stack.kpi.app.state.db  # type: ignore[attr-defined]
    assert await _agree(db) == 0
    items = [
        _item(source_ref="web:1"),
        _item(source_ref="web:2", value=50.5, numerator=5, denominator=8),  # mixed NULLs
        _item(area="BRS", source_ref="brs", value=7),
        _item(area="BRS-01", source_ref="n1", value=3, numerator=1, denominator=2),
        _item(area="BRS-02", source_ref="n2", value=4),
        _item(area="NSM-01", period="2022-Q3", source_ref="q", value=9),
        _item(kpi="two_minute_survey_response_rate", numerator=30, denominator=200),
        _item(kpi="two_minute_survey_response_rate", area="BRS-01", numerator=1, denominator=3),
        _item(
            kpi="social_media_interactions",
            area="NSM",
            source_ref="p1",
            numerator=12,
            denominator=1,
        ),
    ]
    assert (await _post(stack.kpi, items))["created"] == len(items)
    groups = await _agree(db)
    assert groups == 8  # the two force-wide page views share one group
    assert (await _post(stack.kpi, items))["unchanged"] == len(items)
    assert await _agree(db) == groups
    corrected = [
        _item(source_ref="web:2", value=51),  # its numerator and denominator gone: NULL sums
        _item(area="BRS-01", source_ref="n1", value=3.25, numerator=2, denominator=2),
        _item(kpi="two_minute_survey_response_rate", numerator=31, denominator=200),
    ]
    assert (await _post(stack.kpi, corrected))["updated"] == len(corrected)
    assert await _agree(db) == groups
    async with db.read_sessions() as session:
        (force_wide,) = [
            t
            for t in await repository.totals(session, ["beat_page_views"], 0, 10**6, "")
            if t.period == "2022-07"
        ]
    assert (force_wide.count, force_wide.value_sum) == (2, 151.0)
    assert (force_wide.numerator_sum, force_wide.denominator_sum) == (None, None)
    for content, fmt in ((GENERIC, "measurements"), (STATION, "station_hours")):
        first = await _import(stack.kpi, content, fmt)
        assert first.status_code == 200, first.text
        assert await _agree(db) > groups
        again = await _import(stack.kpi, content, fmt)
        assert again.json()["unchanged"] == first.json()["created"]
    fixed = await _import(
        stack.kpi, STATION.replace("2022-09-14,BRS,9,6,4", "2022-09-14,BRS,9,5,5"), "station_hours"
    )
    assert fixed.json()["updated"] == 1
    assert await _agree(db) == groups + 3  # GENERIC's two months and KPIs, STATION's one


def _checked(area: str, district: str | None, value: float) -> service.Checked:
    return service.Checked(
        kpi="beat_page_views",
        period=parse_period("2022-07"),
        area=area,
        district=district,
        source_ref="web",
        hour=None,
        value=value,
        numerator=None,
        denominator=None,
    )


async def test_a_correction_moving_a_measurement_to_another_district_moves_its_total(
    kpi_db_url: str,
) -> None:
    db = Database(kpi_db_url)
    try:
        for district, value in (("BRS", 5.0), ("NSM", 6.0)):  # the area moved between districts
            async with db.transaction("POST") as session:
                await service.store(session, [_checked("BRS-01", district, value)])
            assert await _agree(db) == 1
        async with db.read_sessions() as session:
            assert await repository.totals(session, CODES, 0, 10**6, "BRS") == []
            (moved,) = await repository.totals(session, CODES, 0, 10**6, "NSM")
        assert (moved.count, moved.value_sum) == (1, 6.0)
    finally:
        await db.dispose()


async def test_concurrent_writers_of_one_group_keep_it_exact(kpi_db_url: str, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite admits one writer at a time")
    db = Database(kpi_db_url)
    try:
        async with db.transaction("POST") as session:  # the group exists before both
            await service.store(session, [_checked("", None, 1.0)])

        async def blocked() -> bool:
            async with db.read_sessions() as session:
                query = (
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
                return bool((await session.execute(text(query))).scalar())

        async with db.write_session() as first:
            await service.store(first, [_checked("", None, 2.0)])
            second = asyncio.create_task(_store_alone(db, "other", 4.0))
            for _ in range(500):
                if await blocked():
                    break
                await asyncio.sleep(0.01)
            else:
                pytest.fail("the second writer never waited for the first")
            await first.commit()
        await second  # it recomputed after the first committed: nothing lost, no conflict
        assert await _agree(db) == 1
        async with db.read_sessions() as session:
            (total,) = await repository.totals(session, CODES, 0, 10**6, None)
        assert (total.count, total.value_sum) == (2, 6.0)
    finally:
        await db.dispose()


async def _store_alone(db: Database, source_ref: str, value: float) -> None:
    async with db.transaction("POST") as session:
        item = dataclasses.replace(_checked("", None, value), source_ref=source_ref)
        await service.store(session, [item])


async def test_the_demo_loader_fills_the_totals(kpi_db_url: str) -> None:
    db = Database(kpi_db_url)
    try:
        assert await load_demo(db, 1)
        assert await _agree(db) > 500
    finally:
        await db.dispose()


async def test_upgrade_sums_the_measurements_already_stored(databases: DatabaseFactory) -> None:
    url = await databases.empty("kpi_measurement_totals")
    await upgrade("kpi", url, "373a912cc096")
    rows = [
        ("beat_page_views", "2022-07", "", None, 100.0, None, None),
        ("beat_page_views", "2022-07", "", None, 50.5, 5.0, 8.0),
        ("beat_page_views", "2022-07", "BRS-01", "BRS", 3.0, 1.0, 2.0),
        ("beat_page_views", "2022-Q3", "NSM-01", "NSM", 9.0, None, None),
        ("two_minute_survey_response_rate", "2022-08", "", None, 15.0, 30.0, 200.0),
    ]
    db = Database(url)
    try:
        async with db.transaction("POST") as session:
            for n, (kpi, period, area, district, value, numerator, denominator) in enumerate(rows):
                span = parse_period(period)
                await session.execute(
                    TABLE.insert().values(
                        id=uuid.uuid4(),
                        kpi_code=kpi,
                        period=period,
                        first_month=span.first_month,
                        last_month=span.last_month,
                        area=area,
                        district=district,
                        source_ref=f"ref{n}",
                        value=value,
                        numerator=numerator,
                        denominator=denominator,
                        version=1,
                        recorded_at=utcnow(),
                        updated_at=utcnow(),
                    )
                )
        await upgrade("kpi", url)
        assert await _agree(db) == 4
    finally:
        await db.dispose()
