"""Benchmark: the Engagement Assurance Report (HTML and PDF) through the gateway.

Targets (DESIGN.md): with 1M activities and 200k survey responses stored on PostgreSQL, the
HTML report for a quarter p95 <= 2 s and the PDF <= 5 s. Uses the data set-up of
`bench.scorecard` (its activity and survey databases, reused while they are current, and a
fresh KPI database with the KPI demo), starts the services and the gateway on loopback, and
times, one request at a time after a warm-up, for the latest complete quarter:

- the baselines measured in the same run: the scorecard alone, and the report as JSON (every
  input gathered and worded, nothing drawn);
- the HTML and PDF report of a quarter read again (charts drawn and source answers kept,
  `KPI_REPORT_CACHE_S`: the usual case, a board's quarter is read many times);
- the JSON report of each district, read once (every answer fetched, nothing drawn: the cold
  baseline), and, once those answers have expired, the HTML and PDF report of each district,
  each read once (every answer fetched and every chart drawn: the cold case).

    .venv/bin/python -m bench.report                                   # 1M + 200k
    .venv/bin/python -m bench.report --activities 200000 --responses 50000 --requests 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time

import asyncpg
import httpx

from bench._harness import BENCH_KEY
from bench.activity_aggregate import POSTGRES_ADMIN, base_dsn
from bench.scorecard import ensure_activity, ensure_survey, percentile, services
from services.kpi.calculation.periods import PeriodKind, latest_complete
from services.kpi.demo import load_demo as load_kpi_demo
from shared.db import Database
from shared.migrations import upgrade

REPORT = "/api/v1/reports/engagement-assurance"
HTML_TARGET_MS = 2000
PDF_TARGET_MS = 5000
ANSWERS_KEPT_S = 60  # the KPI service's default KPI_REPORT_CACHE_S


async def fresh_kpi() -> str:
    """A KPI database of its own (the scorecard benchmark may run at the same time)."""
    name = "bench_report_kpi"
    admin = await asyncpg.connect(POSTGRES_ADMIN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = f"{base_dsn()}/{name}"
    await upgrade("kpi", url)
    db = Database(url)
    await load_kpi_demo(db, 1)
    await db.dispose()
    return url


async def timed(client: httpx.AsyncClient, path: str, params: dict[str, str]) -> float:
    started = time.perf_counter()
    response = await client.get(path, params=params)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} {params}: {response.status_code} {response.text[:300]}")
    return elapsed


async def series(
    client: httpx.AsyncClient, path: str, params: dict[str, str], requests: int
) -> list[float]:
    await timed(client, path, params)  # warm-up (and, for the report, its charts drawn)
    return [await timed(client, path, params) for _ in range(requests)]


def line(label: str, times: list[float]) -> str:
    return (
        f"{label:<44} n={len(times):<3} p50 {percentile(times, 0.5):8.1f} ms   "
        f"p95 {percentile(times, 0.95):8.1f} ms"
    )


async def districts(client: httpx.AsyncClient) -> list[str]:
    response = await client.get("/api/v1/areas", params={"kind": "district", "limit": 50})
    return [a["code"] for a in response.json()["items"]]


async def measure(gateway: str, requests: int) -> dict[str, float]:
    period = latest_complete(PeriodKind.quarter).text
    quarter = {"period": period}
    headers = {"X-API-Key": BENCH_KEY}
    async with httpx.AsyncClient(base_url=gateway, headers=headers, timeout=120) as client:
        runs = {
            "scorecard": await series(client, "/api/v1/kpis/scorecard", quarter, requests),
            "report json": await series(client, REPORT, {**quarter, "format": "json"}, requests),
            "report html (read again)": await series(client, REPORT, quarter, requests),
            "report pdf (read again)": await series(
                client, REPORT, {**quarter, "format": "pdf"}, requests
            ),
        }
        areas = (await districts(client))[: max(2, requests // 2)]
        # The cold baseline: every answer fetched, nothing drawn (districts not read yet);
        # then the answers kept for KPI_REPORT_CACHE_S (default 60 s) are let expire, so
        # that the HTML below is as cold as before.
        runs["report json (each district once)"] = [
            await timed(client, REPORT, {**quarter, "area": a, "format": "json"}) for a in areas
        ]
        await asyncio.sleep(ANSWERS_KEPT_S + 1)
        runs["report html (each district once)"] = [
            await timed(client, REPORT, {**quarter, "area": a}) for a in areas
        ]
        runs["report pdf (each district once)"] = [
            await timed(client, REPORT, {**quarter, "area": a, "format": "pdf"}) for a in areas
        ]
    print(f"\nperiod {period}, through the gateway, one request at a time")
    for label, times in runs.items():
        print(line(label, times))
    return {label: percentile(times, 0.95) for label, times in runs.items()}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=10, help="timed requests per call")
    parser.add_argument(
        "--workers", type=int, default=1, help="processes per source service (activity, survey)"
    )
    args = parser.parse_args()
    activity_url = await ensure_activity(args.activities)
    survey_url = await ensure_survey(args.responses)
    kpi_url = await fresh_kpi()
    conn = await asyncpg.connect(survey_url)
    responses = await conn.fetchval("SELECT count(*) FROM survey_response")
    await conn.close()
    env = {
        "ACTIVITY_DATABASE_URL": activity_url,
        "SURVEY_DATABASE_URL": survey_url,
        "KPI_DATABASE_URL": kpi_url,
        "HUB_DATA_DIR": tempfile.mkdtemp(prefix="bench-report-"),
        "KPI_DASHBOARD_SECRET": "bench-" + "r" * 20,
    }
    urls: dict[str, str] = {}
    with services(urls, env, args.workers) as running:
        p95 = await asyncio.wait_for(measure(running["gateway"], args.requests), 1800)
    json_p95 = p95["report json"]
    print(
        f"\n{args.activities:,} activities, {responses:,} survey responses (PostgreSQL), "
        f"{args.workers} process(es) per source service"
    )
    for label, target in (
        ("report html (read again)", HTML_TARGET_MS),
        ("report html (each district once)", HTML_TARGET_MS),
        ("report pdf (read again)", PDF_TARGET_MS),
        ("report pdf (each district once)", PDF_TARGET_MS),
    ):
        verdict = "meets" if p95[label] <= target else "MISSES"
        print(
            f"{label}: p95 {p95[label]:.0f} ms (target <= {target} ms: {verdict}); "
            f"{p95[label] / json_p95:.2f}x the JSON report, "
            f"{p95[label] / p95['scorecard']:.2f}x the scorecard"
        )


if __name__ == "__main__":
    os.environ.setdefault("HUB_LOG_LEVEL", "WARNING")
    asyncio.run(main())
