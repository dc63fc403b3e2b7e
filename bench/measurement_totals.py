"""Benchmark: `measurements.totals`, as the default scorecard reads it, on PostgreSQL.

Builds its own KPI database with the KPI demo (as `bench.scorecard` does, analyzed), then
times the call force-wide and for a district, `--calls` times each after a warm-up: wall time
per call, this process's CPU and the PostgreSQL backend's CPU (from /proc: the server runs on
this machine), per call.

    flock /work/notes/bench.lock .venv/bin/python -m bench.measurement_totals
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

from sqlalchemy import text

from bench.scorecard import DISTRICT, _database, analyze
from services.kpi.calculation.periods import PeriodKind, latest_complete
from services.kpi.calculation.service import chart_periods, span_of
from services.kpi.catalogue import repository as catalogue
from services.kpi.demo import load_demo
from services.kpi.measurements import repository
from shared.db import Database
from shared.migrations import upgrade

_TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def backend_cpu_s(pid: int) -> float:
    """User + system CPU of one PostgreSQL backend so far (fields 14 and 15 of its stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * _TICK_S


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    url = await _database("bench_kpi_totals", fresh=True)
    await upgrade("kpi", url)
    db = Database(url)
    await load_demo(db, 1)
    await analyze(url)
    period = latest_complete(PeriodKind.quarter)
    span = span_of([period, period.previous(), *chart_periods(period, PeriodKind.quarter, 12)])
    try:
        async with db.read_sessions() as session:
            pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            kpis = await catalogue.list_definitions(session)
            codes = sorted(k.code for k in kpis if k.source == "measurement")
            stored = (await session.execute(text("SELECT count(*) FROM kpi_measurement"))).scalar()
            months = f"{span.first.text}..{span.last.text}"
            print(f"{stored:,} measurements; {len(codes)} measured KPIs; {months}")
            for area in (None, DISTRICT):
                for _ in range(10):
                    rows = await repository.totals(
                        session, codes, span.first_month, span.last_month, area
                    )
                wall, cpu, server = time.perf_counter(), time.process_time(), backend_cpu_s(pid)
                for _ in range(args.calls):
                    await repository.totals(session, codes, span.first_month, span.last_month, area)
                wall = (time.perf_counter() - wall) / args.calls * 1000
                cpu = (time.process_time() - cpu) / args.calls * 1000
                server = (backend_cpu_s(pid) - server) / args.calls * 1000
                print(
                    f"{area or 'force-wide':>10}: {len(rows)} period totals; per call "
                    f"wall {wall:.2f} ms, client CPU {cpu:.2f} ms, PostgreSQL CPU {server:.2f} ms"
                )
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
