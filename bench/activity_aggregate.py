"""Benchmark: p95 of `GET /api/v1/activities/aggregate` over 1M activities on PostgreSQL.

Target: p95 <= 300 ms. Builds (once) a PostgreSQL database with the demo generator's realistic
year at the requested size (1,000,000 activities by default, bulk-loaded with COPY), starts
the activity service on it with uvicorn, and times the aggregate queries the KPI service makes
(sequentially, after a warm-up), then prints per-query and overall p50/p95. Then times a CSV
export of half a year against PostgreSQL's own COPY of the same rows and columns (no target;
the ratio shows what the API adds).

    .venv/bin/python -m bench.activity_aggregate                      # 1M, keeps the database
    .venv/bin/python -m bench.activity_aggregate --activities 200000 --requests 40
    .venv/bin/python -m bench.activity_aggregate --drop               # drop it afterwards

The database is named after the size (`bench_activity_agg_<n>`) and reused while it is at the
current migration head and holds that many activities.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from alembic.script import ScriptDirectory

from bench._harness import wait_ready
from hub.ports import free_port
from services.activity.demo import generate
from shared.db import Database
from shared.migrations import alembic_config, upgrade, version_table

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN = os.environ.get(
    "HUB_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def queries(today: date) -> list[tuple[str, dict[str, Any]]]:
    year_ago = (today - timedelta(days=365)).isoformat()
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_quarter_start = (
        date(quarter_start.year - 1, 10, 1)
        if quarter_start.month == 1
        else date(quarter_start.year, quarter_start.month - 3, 1)
    )
    last_quarter_end = (quarter_start - timedelta(days=1)).isoformat()
    lq = {"from": last_quarter_start.isoformat(), "to": last_quarter_end}
    return [
        ("year by month", {"group_by": "period", "period": "month", "from": year_ago}),
        ("quarter by district", {"group_by": "district", "period": "quarter", **lq}),
        (
            "year by district x quarter",
            {"group_by": "district,period", "period": "quarter", "from": year_ago},
        ),
        ("quarter by directorate x type", {"group_by": "directorate,activity_type", **lq}),
        ("quarter by area", {"group_by": "area", **lq}),
        ("quarter by topic", {"group_by": "topic", **lq}),
        (
            "quarter by classification, one district",
            {"group_by": "classification", "district": "BRS", **lq},
        ),
        ("all time by year", {"group_by": "period", "period": "year"}),
    ]


def base_dsn() -> str:
    return POSTGRES_ADMIN.rsplit("/", 1)[0]


async def ensure_database(activities: int) -> str:
    name = f"bench_activity_agg_{activities}"
    url = f"{base_dsn()}/{name}"
    admin = await asyncpg.connect(POSTGRES_ADMIN)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    head = ScriptDirectory.from_config(alembic_config("activity")).get_current_head()
    conn = await asyncpg.connect(url)
    try:
        current = None
        count = 0
        if await conn.fetchval("SELECT to_regclass($1)", version_table("activity")):
            current = await conn.fetchval(f"SELECT version_num FROM {version_table('activity')}")
        if current == head:
            count = await conn.fetchval("SELECT count(*) FROM activity_activity")
    finally:
        await conn.close()
    if current == head and count == activities:
        print(f"reusing {name} ({count:,} activities)", flush=True)
        return url
    if current is not None:
        admin = await asyncpg.connect(POSTGRES_ADMIN)
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
    await upgrade("activity", url)
    db = Database(url)
    started = time.perf_counter()
    print(f"generating {activities:,} activities into {name} ...", flush=True)
    await generate(db, activities=activities)
    await db.dispose()
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    return url


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(base: str, key: str, requests: int) -> list[float]:
    from services.activity.activities.values import today_local

    everything: list[float] = []
    headers = {"X-API-Key": key}
    async with aiohttp.ClientSession(headers=headers) as session:
        print(f"\n{'query':<42} {'rows':>5} {'p50 ms':>8} {'p95 ms':>8}")
        for name, params in queries(today_local()):
            url = f"{base}/api/v1/activities/aggregate"
            for _ in range(3):  # warm-up
                async with session.get(url, params=params) as response:
                    body = await response.json()
                    assert response.status == 200, body
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                async with session.get(url, params=params) as response:
                    body = await response.json()
                times.append((time.perf_counter() - started) * 1000)
            everything += times
            print(
                f"{name:<42} {len(body['rows']):>5} {percentile(times, 0.5):>8.1f} "
                f"{percentile(times, 0.95):>8.1f}"
            )
    return everything


async def measure_export(base: str, key: str, url: str) -> None:
    """CSV export of half a year through the API, against PostgreSQL's own `COPY ... TO
    STDOUT (FORMAT csv)` of the same rows and columns (the baseline: no HTTP, no Python)."""
    from services.activity.activities.values import today_local
    from services.activity.analytics.export import _EXPORT_SOURCE

    end = today_local().replace(day=1) - timedelta(days=1)
    start = (end - timedelta(days=182)).replace(day=1)
    params = {"from": start.isoformat(), "to": end.isoformat()}
    started = time.perf_counter()
    rows = -1  # the header line
    async with (
        aiohttp.ClientSession(headers={"X-API-Key": key}) as session,
        session.get(f"{base}/api/v1/activities/export.csv", params=params) as response,
    ):
        assert response.status == 200, await response.text()
        async for chunk in response.content.iter_chunked(1 << 16):
            rows += chunk.count(b"\n")
    api_s = time.perf_counter() - started
    columns = ", ".join(_EXPORT_SOURCE)
    conn = await asyncpg.connect(url)
    try:
        sink = bytearray()
        started = time.perf_counter()
        await conn.copy_from_query(
            f"SELECT {columns} FROM activity_activity WHERE deleted_at IS NULL "
            "AND local_date BETWEEN $1 AND $2 ORDER BY starts_at DESC, id DESC",
            start,
            end,
            output=lambda data: sink.extend(data) or asyncio.sleep(0),
            format="csv",
        )
        copy_s = time.perf_counter() - started
    finally:
        await conn.close()
    print(
        f"\nexport {start} to {end}: {rows:,} rows in {api_s:.1f} s = {rows / api_s:,.0f} rows/s; "
        f"COPY TO STDOUT {copy_s:.1f} s = {rows / copy_s:,.0f} rows/s; "
        f"export/COPY {copy_s / api_s:.2f}x"
    )


def start_service(port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log = log_path.open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "services.activity.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per query")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    args = parser.parse_args()
    url = await ensure_database(args.activities)
    key = "bench-" + secrets.token_urlsafe(16)
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="bench-aggregate-"))
    env = dict(
        os.environ,
        ACTIVITY_DATABASE_URL=url,
        HUB_BOOTSTRAP_API_KEY=key,
        HUB_LOG_LEVEL="WARNING",
        HUB_DATA_DIR=str(workdir),
    )
    process = start_service(port, env, workdir / "activity.log")
    try:
        await wait_ready(f"http://127.0.0.1:{port}/healthz")
        times = await measure(f"http://127.0.0.1:{port}", key, args.requests)
        await measure_export(f"http://127.0.0.1:{port}", key, url)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    p95 = percentile(times, 0.95)
    verdict = "meets" if p95 <= 300 else "MISSES"
    print(
        f"\nall queries: n={len(times)} p50 {percentile(times, 0.5):.1f} ms, "
        f"p95 {p95:.1f} ms (target <= 300 ms: {verdict}) over {args.activities:,} activities"
    )
    if args.drop:
        admin = await asyncpg.connect(POSTGRES_ADMIN)
        await admin.execute(
            f'DROP DATABASE IF EXISTS "bench_activity_agg_{args.activities}" WITH (FORCE)'
        )
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
