"""Benchmark: the KPI scorecard and series through the gateway, against their slowest input.

Targets (DESIGN.md): with 1M activities and 200k survey responses stored on PostgreSQL, the
scorecard p95 <= 300 ms through the gateway and <= 1.5x the slowest single input call it makes
(measured in the same run); series p95 likewise. Builds (once, reused while it is at the
current head and holds that many activities) the activity database of
`bench.activity_aggregate` (the demo generator's three years), a survey database with the
survey demo scaled to about `--responses` responses, and a fresh KPI database with the KPI
demo; starts the three services and the gateway on loopback; then times, one request at a
time after a warm-up:

- the default scorecard through the gateway, force-wide and for a district, each after every
  input call it makes (four activity calls, one survey call for its four questions), made
  directly to its service exactly as the KPI service makes it: the baseline of each scorecard
  is the slowest of its own inputs;
- series through the gateway (an activity count, a survey share, a measurement), each after
  its one source call (a measurement's series has none: its own figure only).

The survey table and the KPI database are analyzed before timing (a live database has been, by
autovacuum or by the import's own ANALYZE; the demo loaders insert directly, and PostgreSQL here
runs without autovacuum).

    .venv/bin/python -m bench.scorecard                                   # 1M + 200k
    .venv/bin/python -m bench.scorecard --activities 200000 --responses 50000 --requests 20
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httpx
from alembic.script import ScriptDirectory

from bench._harness import BENCH_KEY, uvicorn_process
from bench.activity_aggregate import POSTGRES_ADMIN, base_dsn
from hub.ports import free_port
from services.activity.demo import generate
from services.kpi.calculation.periods import PeriodKind, latest_complete
from services.kpi.calculation.service import chart_periods, span_of
from services.kpi.demo import load_demo as load_kpi_demo
from services.kpi.series.service import series_periods
from services.survey.demo import PER_WAVE, latest_complete_wave
from services.survey.demo import load_demo as load_survey_demo
from shared.contracts.survey import wave_range
from shared.db import Database
from shared.migrations import alembic_config, upgrade, version_table

SURVEY_QUESTIONS = ("seen_officer", "confidence", "informed", "have_say")
DISTRICT = "BRS"
SERIES = ("school_engagements", "opcc_informed", "beat_page_views")
FIRST_WAVE = "2014-Q1"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _database(name: str, fresh: bool) -> str:
    admin = await asyncpg.connect(POSTGRES_ADMIN)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists and fresh:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or fresh:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"{base_dsn()}/{name}"


async def ensure_activity(activities: int) -> str:
    """The activity demo generator's three years at `activities` activities (own database, so
    other benchmarks' runs at other code versions never drop it under this one)."""
    name = f"bench_kpi_activity_{activities}"
    url = await _database(name, fresh=False)
    head = ScriptDirectory.from_config(alembic_config("activity")).get_current_head()
    conn = await asyncpg.connect(url)
    try:
        current, count = None, 0
        if await conn.fetchval("SELECT to_regclass($1)", version_table("activity")):
            current = await conn.fetchval(f"SELECT version_num FROM {version_table('activity')}")
        if current == head:
            count = await conn.fetchval("SELECT count(*) FROM activity_activity")
    finally:
        await conn.close()
    if current == head and count == activities:
        print(f"reusing {name} ({count:,} activities)", flush=True)
        return url
    url = await _database(name, fresh=True)
    await upgrade("activity", url)
    db = Database(url)
    started = time.perf_counter()
    print(f"generating {activities:,} activities into {name} ...", flush=True)
    await generate(db, activities=activities)
    await db.dispose()
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    return url


async def ensure_survey(responses: int) -> str:
    """The survey demo at the size that gives about `responses` responses."""
    from datetime import date

    waves = len(wave_range(FIRST_WAVE, latest_complete_wave(date.today())))
    size = max(1, math.ceil(responses / (PER_WAVE * waves)))
    name = f"bench_kpi_survey_{size}"
    url = await _database(name, fresh=False)
    head = ScriptDirectory.from_config(alembic_config("survey")).get_current_head()
    conn = await asyncpg.connect(url)
    try:
        current = None
        if await conn.fetchval("SELECT to_regclass($1)", version_table("survey")):
            current = await conn.fetchval(f"SELECT version_num FROM {version_table('survey')}")
        stored = 0
        if current == head:
            stored = await conn.fetchval("SELECT count(*) FROM survey_response")
    finally:
        await conn.close()
    if current == head and stored:
        print(f"reusing {name} ({stored:,} survey responses)", flush=True)
        await analyze(url, "survey_response")
        return url
    url = await _database(name, fresh=True)
    await upgrade("survey", url)
    db = Database(url)
    started = time.perf_counter()
    await load_survey_demo(db, size)
    await db.dispose()
    await analyze(url, "survey_response")
    print(f"survey demo x{size} loaded in {time.perf_counter() - started:.0f} s", flush=True)
    return url


async def analyze(url: str, table: str = "") -> None:
    """Planner statistics as a live database has them (autovacuum, or the survey import's own
    ANALYZE after a large load): without them PostgreSQL plans the survey's GROUP BYs for a
    near-empty table. The demo loaders insert directly and this machine's PostgreSQL runs
    without autovacuum, so nothing else analyzes them here (no table: the whole database)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        await conn.close()


async def fresh_kpi() -> str:
    url = await _database("bench_kpi_scorecard", fresh=True)
    await upgrade("kpi", url)
    db = Database(url)
    await load_kpi_demo(db, 1)
    await db.dispose()
    # The scorecard sums ~24k demo measurements: planned for an empty table, PostgreSQL
    # sorted them (~27 ms) where a live, analyzed one hashes them (~6 ms).
    await analyze(url)
    return url


Call = tuple[str, str, str, list[tuple[str, str]]]  # label, service, path, query


def _area(area: str | None, name: str = "district") -> list[tuple[str, str]]:
    return [(name, area)] if area else []


def _aggregate(label: str, query: list[tuple[str, str]]) -> Call:
    return (label, "activity", "/api/v1/activities/aggregate", query)


def _survey_results(
    label: str, questions: Sequence[str], waves: tuple[str, str], area: str | None
) -> Call:
    query = [("questions", ",".join(sorted(questions))), ("by", "wave")]
    query += [("from", waves[0]), ("to", waves[1]), *_area(area, "area")]
    return (label, "survey", "/api/v1/surveys/opcc/results", query)


def input_calls(area: str | None = None) -> list[Call]:
    """Every input call of the default scorecard of `area` (a district; None: force-wide), as
    the KPI service makes them (same periods, same days, same parameters)."""
    period = latest_complete(PeriodKind.quarter)
    needed = [period, period.previous(), *chart_periods(period, PeriodKind.quarter, 12)]
    span = span_of(needed)
    window = [("from", span.first.start.isoformat()), ("to", span.last.end.isoformat())]
    return [
        _aggregate(
            "aggregate by month x type",
            [("group_by", "period,activity_type"), ("period", "month"), *window, *_area(area)],
        ),
        _aggregate(
            "aggregate by month (hours)",
            [("group_by", "period"), ("period", "month"), *window, *_area(area)],
        ),
        _aggregate(
            "aggregate by topic (school engagements)",
            [
                ("group_by", "topic"),
                ("period", "month"),
                ("from", period.start.isoformat()),
                ("to", period.end.isoformat()),
                ("activity_type", "school_engagement"),
                *_area(area),
            ],
        ),
        (
            "register summary",
            "activity",
            f"/api/v1/areas/{area or 'FORCE'}/summary",
            [*(("on", d.isoformat()) for d in span.days), ("priority_months", "3")],
        ),
        _survey_results("survey results (every question)", SURVEY_QUESTIONS, span.waves(), area),
    ]


def series_input(code: str) -> Call | None:
    """The one source call of a default quarterly series (None: a measurement, read locally)."""
    span = span_of(series_periods(PeriodKind.quarter, None, None))
    window = [("from", span.first.start.isoformat()), ("to", span.last.end.isoformat())]
    if code == "school_engagements":
        query = [("group_by", "period,activity_type"), ("period", "month"), *window]
        return _aggregate("aggregate by month x type (series)", query)
    if code == "opcc_informed":
        return _survey_results("survey results informed (series)", ["informed"], span.waves(), None)
    return None


async def time_get(
    session: aiohttp.ClientSession, url: str, params: Any, requests: int
) -> list[float]:
    for _ in range(3):  # warm-up
        async with session.get(url, params=params) as response:
            body = await response.read()
            assert response.status == 200, body[:500]
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        async with session.get(url, params=params) as response:
            await response.read()
            assert response.status == 200
        times.append((time.perf_counter() - started) * 1000)
    return times


def _row(label: str, times: list[float]) -> str:
    return f"{label:<46} {percentile(times, 0.5):>8.1f} {percentile(times, 0.95):>8.1f}"


async def _inputs(
    session: aiohttp.ClientSession, urls: dict[str, str], calls: list[Call], requests: int
) -> float:
    """Each call timed on its own; the slowest p95."""
    slowest = 0.0
    for label, service, path, params in calls:
        times = await time_get(session, urls[service] + path, params, requests)
        slowest = max(slowest, percentile(times, 0.95))
        print(_row(f"  input: {label}", times), flush=True)
    return slowest


async def measure(urls: dict[str, str], requests: int) -> dict[str, float]:
    """p95 of each scorecard and series through the gateway, and of its slowest input."""
    out: dict[str, float] = {}
    gateway = urls["gateway"]
    async with aiohttp.ClientSession(headers={"X-API-Key": BENCH_KEY}) as session:
        print(f"\n{'call':<46} {'p50 ms':>8} {'p95 ms':>8}")
        for name, area in (("force", None), ("district", DISTRICT)):
            slowest = await _inputs(session, urls, input_calls(area), requests)
            params = {"area": area} if area else None
            card = await time_get(session, f"{gateway}/api/v1/kpis/scorecard", params, requests)
            print(_row(f"scorecard via gateway ({area or 'force'})", card), flush=True)
            out[f"scorecard_{name}_p95"] = percentile(card, 0.95)
            out[f"scorecard_{name}_slowest_input_p95"] = slowest
        for code in SERIES:
            call = series_input(code)
            slowest = await _inputs(session, urls, [call], requests) if call else 0.0
            times = await time_get(
                session, f"{gateway}/api/v1/kpis/{code}/series", {"grain": "quarter"}, requests
            )
            print(_row(f"series via gateway ({code})", times), flush=True)
            out[f"series_{code}_p95"] = percentile(times, 0.95)
            if call:
                out[f"series_{code}_slowest_input_p95"] = slowest
    return out


def verdicts(figures: dict[str, float]) -> list[str]:
    """Each figure against both targets: <= 300 ms, and <= 1.5x its slowest input."""
    lines = []
    for key, p95 in figures.items():
        if key.endswith("_slowest_input_p95"):
            continue
        name = key.removesuffix("_p95")
        line = f"{name}: p95 {p95:.1f} ms ({'meets' if p95 <= 300 else 'MISSES'} <= 300 ms)"
        slowest = figures.get(f"{name}_slowest_input_p95")
        if slowest:
            ratio = p95 / slowest
            line += (
                f"; slowest input p95 {slowest:.1f} ms, ratio {ratio:.2f}x "
                f"({'meets' if ratio <= 1.5 else 'MISSES'} <= 1.5x)"
            )
        lines.append(line)
    return lines


@contextmanager
def scaled_process(factory: str, port: int, env: dict[str, str], workers: int) -> Iterator[str]:
    """A service with `workers` processes on one port (as `compose --scale` would run it)."""
    if workers == 1:
        with uvicorn_process(factory, port, env) as base:
            yield base
        return
    full_env = {**os.environ, "HUB_BOOTSTRAP_API_KEY": BENCH_KEY, "HUB_LOG_LEVEL": "WARNING", **env}
    argv = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--workers", str(workers), "--no-access-log"]
    argv += ["--log-level", "warning"]
    process = subprocess.Popen(argv, env=full_env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"{factory} not ready")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@contextmanager
def services(urls: dict[str, str], env: dict[str, str], workers: int) -> Iterator[dict[str, str]]:
    with ExitStack() as stack:
        ports = {name: free_port() for name in ("activity", "survey", "kpi", "gateway")}
        for name in ("activity", "survey"):
            urls[name] = stack.enter_context(
                scaled_process(f"services.{name}.app:create_app", ports[name], env, workers)
            )
        kpi_env = {**env, "KPI_ACTIVITY_URL": urls["activity"], "KPI_SURVEY_URL": urls["survey"]}
        urls["kpi"] = stack.enter_context(
            uvicorn_process("services.kpi.app:create_app", ports["kpi"], kpi_env)
        )
        gateway_env = {
            **env,
            "HUB_ACTIVITY_URL": urls["activity"],
            "HUB_SURVEY_URL": urls["survey"],
            "HUB_KPI_URL": urls["kpi"],
        }
        urls["gateway"] = stack.enter_context(
            uvicorn_process("gateway.app:create_app", ports["gateway"], gateway_env)
        )
        yield urls


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per call")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes per source service (activity, survey), as when scaled out",
    )
    parser.add_argument(
        "--prepare-only", action="store_true", help="build the databases, measure nothing"
    )
    args = parser.parse_args()
    activity_url = await ensure_activity(args.activities)
    survey_url = await ensure_survey(args.responses)
    if args.prepare_only:
        return
    kpi_url = await fresh_kpi()
    conn = await asyncpg.connect(survey_url)
    responses = await conn.fetchval("SELECT count(*) FROM survey_response")
    await conn.close()
    workdir = Path(tempfile.mkdtemp(prefix="bench-scorecard-"))
    env = {
        "ACTIVITY_DATABASE_URL": activity_url,
        "SURVEY_DATABASE_URL": survey_url,
        "KPI_DATABASE_URL": kpi_url,
        "HUB_DATA_DIR": str(workdir),
    }
    urls: dict[str, str] = {}
    with services(urls, env, args.workers) as running:
        figures = await asyncio.wait_for(measure(running, args.requests), 900)
    print(
        f"\n{args.activities:,} activities, {responses:,} survey responses (PostgreSQL), "
        f"{args.workers} process(es) per source service"
    )
    for line in verdicts(figures):
        print(line)


if __name__ == "__main__":
    os.environ.setdefault("HUB_LOG_LEVEL", "WARNING")
    asyncio.run(main())
