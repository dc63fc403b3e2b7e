"""Benchmark: the KPI scorecard and series through the gateway, against their slowest input.

Targets (DESIGN.md): with 1M activities and 200k survey responses stored on PostgreSQL, the
scorecard p95 <= 300 ms through the gateway and <= 1.5x the slowest single input call it makes
(measured in the same run); series p95 likewise. Builds (once, reused while it is at the
current head and holds that many activities) the activity database of
`bench.activity_aggregate` (the demo generator's three years), a survey database with the
survey demo scaled to about `--responses` responses, and a fresh KPI database with the KPI
demo; starts the three services and the gateway on loopback; then times, one request at a
time after a warm-up:

- every input call of the default scorecard, made directly to its service exactly as the KPI
  service makes it (the baseline: the slowest of them);
- the scorecard through the gateway (force-wide and for a district);
- series through the gateway (an activity count, a survey share, a measurement).

    .venv/bin/python -m bench.scorecard                                   # 1M + 200k
    .venv/bin/python -m bench.scorecard --activities 200000 --responses 50000 --requests 20
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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
from services.survey.demo import PER_WAVE, latest_complete_wave
from services.survey.demo import load_demo as load_survey_demo
from shared.contracts.survey import wave_range
from shared.db import Database
from shared.migrations import alembic_config, upgrade, version_table

SURVEY_QUESTIONS = ("seen_officer", "confidence", "informed", "have_say")
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
        return url
    url = await _database(name, fresh=True)
    await upgrade("survey", url)
    db = Database(url)
    started = time.perf_counter()
    await load_survey_demo(db, size)
    await db.dispose()
    print(f"survey demo x{size} loaded in {time.perf_counter() - started:.0f} s", flush=True)
    return url


async def fresh_kpi() -> str:
    url = await _database("bench_kpi_scorecard", fresh=True)
    await upgrade("kpi", url)
    db = Database(url)
    await load_kpi_demo(db, 1)
    await db.dispose()
    return url


def input_calls() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(label, service, path + query) of every input call of the default scorecard, as the KPI
    service makes them (same periods, same days, same parameters)."""
    period = latest_complete(PeriodKind.quarter)
    needed = [period, period.previous(), *chart_periods(period, PeriodKind.quarter, 12)]
    span = span_of(needed)
    window = [("from", span.first.start.isoformat()), ("to", span.last.end.isoformat())]
    first_wave, last_wave = span.waves()
    calls: list[tuple[str, str, list[tuple[str, str]]]] = [
        (
            "aggregate by month x type",
            "activity",
            [("group_by", "period,activity_type"), ("period", "month"), *window],
        ),
        (
            "aggregate by month (hours)",
            "activity",
            [("group_by", "period"), ("period", "month"), *window],
        ),
        (
            "aggregate by topic (school engagements)",
            "activity",
            [
                ("group_by", "topic"),
                ("period", "month"),
                ("from", period.start.isoformat()),
                ("to", period.end.isoformat()),
                ("activity_type", "school_engagement"),
            ],
        ),
        (
            "register summary",
            "activity",
            [*(("on", d.isoformat()) for d in span.days), ("priority_months", "3")],
        ),
    ]
    calls += [
        (
            f"survey results {q}",
            "survey",
            [("by", "wave"), ("from", first_wave), ("to", last_wave)],
        )
        for q in SURVEY_QUESTIONS
    ]
    return calls


def _path(label: str, service: str) -> str:
    if label == "register summary":
        return "/api/v1/areas/FORCE/summary"
    if service == "survey":
        return f"/api/v1/surveys/opcc/questions/{label.rsplit(' ', 1)[1]}/results"
    return "/api/v1/activities/aggregate"


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
    return f"{label:<44} {percentile(times, 0.5):>8.1f} {percentile(times, 0.95):>8.1f}"


async def measure(urls: dict[str, str], requests: int) -> dict[str, float]:
    out: dict[str, float] = {}
    async with aiohttp.ClientSession(headers={"X-API-Key": BENCH_KEY}) as session:
        print(f"\n{'call':<44} {'p50 ms':>8} {'p95 ms':>8}")
        inputs: dict[str, float] = {}
        for label, service, params in input_calls():
            times = await time_get(session, urls[service] + _path(label, service), params, requests)
            inputs[label] = percentile(times, 0.95)
            print(_row(f"input: {label}", times), flush=True)
        slowest = max(inputs.values())
        gateway = urls["gateway"]
        card = await time_get(session, f"{gateway}/api/v1/kpis/scorecard", None, requests)
        print(_row("scorecard via gateway (force)", card), flush=True)
        district = await time_get(
            session, f"{gateway}/api/v1/kpis/scorecard", {"area": "BRS"}, requests
        )
        print(_row("scorecard via gateway (district BRS)", district), flush=True)
        series_inputs = {
            "school_engagements": inputs["aggregate by month x type"],
            "opcc_informed": inputs["survey results informed"],
            "beat_page_views": None,
        }
        series_p95: dict[str, float] = {}
        for code in series_inputs:
            times = await time_get(
                session, f"{gateway}/api/v1/kpis/{code}/series", {"grain": "quarter"}, requests
            )
            series_p95[code] = percentile(times, 0.95)
            print(_row(f"series via gateway ({code})", times), flush=True)
    out["slowest_input_p95"] = slowest
    out["scorecard_p95"] = percentile(card, 0.95)
    out["scorecard_district_p95"] = percentile(district, 0.95)
    for code, base in series_inputs.items():
        out[f"series_{code}_p95"] = series_p95[code]
        if base:
            out[f"series_{code}_vs_input"] = series_p95[code] / base
    return out


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
    ratio = figures["scorecard_p95"] / figures["slowest_input_p95"]
    print(
        f"\n{args.activities:,} activities, {responses:,} survey responses (PostgreSQL), "
        f"{args.workers} process(es) per source service\n"
        f"scorecard p95 {figures['scorecard_p95']:.1f} ms (target <= 300 ms: "
        f"{'meets' if figures['scorecard_p95'] <= 300 else 'MISSES'}); slowest input p95 "
        f"{figures['slowest_input_p95']:.1f} ms; scorecard / slowest input {ratio:.2f}x "
        f"(target <= 1.5x: {'meets' if ratio <= 1.5 else 'MISSES'})"
    )
    for key, value in figures.items():
        if key.endswith("_vs_input"):
            print(f"{key}: {value:.2f}x (target <= 1.5x: {'meets' if value <= 1.5 else 'MISSES'})")
    print(
        "median of series p95:",
        round(
            statistics.median(
                v for k, v in figures.items() if k.startswith("series_") and k.endswith("_p95")
            ),
            1,
        ),
        "ms",
    )


if __name__ == "__main__":
    os.environ.setdefault("HUB_LOG_LEVEL", "WARNING")
    asyncio.run(main())
