"""Benchmark: logging activities, through the gateway, directly, minimal app, and in batches.

Measures in one run, per backend (SQLite and PostgreSQL):
1. single `POST /api/v1/activities` through the gateway (the real processes, `hub up`),
2. the same POST directly at the activity service,
3. a minimal FastAPI endpoint doing the same raw INSERT into the same table (defined below,
   run by uvicorn in its own process): on the driver directly (the target's baseline), and
   through SQLAlchemy set up as the service's engine (what the data-access layer costs),
4. `POST /api/v1/activities/batch` of 500 items directly at the service, by 2 and by 4
   clients at once,
and prints the ratios against the targets: gateway/direct >= 0.5, service/minimal >= 0.5,
batch per-activity speed-up >= 10x (activities/s of the better batch run over single posts/s).

Single posts are driven by wrk (-t1, a C load generator, as the reference figures), so the
client takes little of the two cores; batches by an asyncio aiohttp client, bodies made before
the clock starts. The baseline minimal endpoint talks to the driver directly (asyncpg pool, or one
aiosqlite connection with one writer at a time), like the reference figure. Loopback only;
servers, database and load generator share the machine.

    .venv/bin/python -m bench.activity_post                   # both backends
    .venv/bin/python -m bench.activity_post --backend sqlite --duration 10 --concurrency 32
    HUB_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres  (the default)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import text

from bench._harness import (
    WrkResult,
    uvicorn_process,
    wait_ready,
    wrk,
)
from hub.ports import free_port, free_port_block
from shared.db import create_engine

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES_ADMIN = os.environ.get(
    "HUB_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BATCH_CLIENTS = (2, 4)
AREAS = [
    {"code": "BENCH", "name": "Bench force", "kind": "force"},
    {"code": "BRS", "name": "Bristol", "kind": "district", "parent": "BENCH"},
    {"code": "BRS-01", "name": "Bristol Central", "kind": "neighbourhood", "parent": "BRS"},
]


# --- the minimal app: same raw INSERT, nothing else ------------------------------------------


_MINIMAL_COLUMNS = [
    "id",
    "title",
    "status",
    "starts_at",
    "ends_at",
    "directorate",
    "activity_type",
    "channel",
    "classification",
    "purpose",
    "topics",
    "area_code",
    "district_code",
    "local_date",
    "local_month",
    "week_start",
    "attendees",
    "young_people",
    "details",
    "search_text",
    "intel_submitted",
    "logged_by",
    "source",
    "review_state",
    "version",
    "request_hash",
    "created_at",
    "updated_at",
]


def _minimal_row(body: dict[str, Any], sqlite: bool) -> dict[str, Any]:
    starts = datetime.fromisoformat(body["starts_at"]).astimezone(UTC)
    now = datetime.now(UTC)
    day = starts.date()
    return {
        "id": uuid.uuid4().hex if sqlite else uuid.uuid4(),
        "title": body["title"],
        "status": body["status"],
        "starts_at": starts.replace(tzinfo=None).isoformat(sep=" ") if sqlite else starts,
        "ends_at": None,
        "directorate": body["directorate"],
        "activity_type": body["activity_type"],
        "channel": body["channel"],
        "classification": body["classification"],
        "purpose": body.get("purpose"),
        "topics": json.dumps(body.get("topics", [])),
        "area_code": body["area"],
        "district_code": "BRS",
        "local_date": day.isoformat() if sqlite else day,
        "local_month": day.year * 100 + day.month,
        "week_start": day.isoformat() if sqlite else day,
        "attendees": body.get("audience", {}).get("attendees"),
        "young_people": body.get("audience", {}).get("young_people"),
        "details": json.dumps({"audience": body.get("audience", {})}),
        "search_text": body["title"],
        "intel_submitted": 0,
        "logged_by": "bench",
        "source": body.get("source", "api"),
        "review_state": "received",
        "version": 1,
        "request_hash": "x" * 64,
        "created_at": now.replace(tzinfo=None).isoformat(sep=" ") if sqlite else now,
        "updated_at": now.replace(tzinfo=None).isoformat(sep=" ") if sqlite else now,
    }


def minimal_app() -> FastAPI:
    """FastAPI + one raw INSERT of the same row into the same migrated table: no validation,
    no auth. `MINIMAL_CLIENT=driver` talks to the driver directly (asyncpg pool / one aiosqlite
    connection), as the reference figure; `MINIMAL_CLIENT=sqlalchemy` sends the same
    SQL through an engine set up like the service's (shared.db), one transaction per request."""
    url = os.environ["MINIMAL_DATABASE_URL"]
    sqlite = url.startswith("sqlite")
    through_sqlalchemy = os.environ.get("MINIMAL_CLIENT", "driver") == "sqlalchemy"
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if through_sqlalchemy:
            engine = create_engine(url).execution_options(hub_write=True)
            state["engine"], state["lock"] = engine, asyncio.Lock()
            try:
                yield
            finally:
                await engine.dispose()
        elif sqlite:
            import aiosqlite

            db = await aiosqlite.connect(url.split(":///", 1)[1], isolation_level=None)
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA busy_timeout=10000")
            await db.execute("PRAGMA foreign_keys=ON")
            state["db"], state["lock"] = db, asyncio.Lock()
            try:
                yield
            finally:
                await db.close()
        else:
            import asyncpg

            pool = await asyncpg.create_pool(
                url.replace("postgresql+asyncpg://", "postgresql://"), min_size=10, max_size=20
            )
            state["pool"] = pool
            try:
                yield
            finally:
                await pool.close()

    columns = ", ".join(_MINIMAL_COLUMNS)
    sqlite_insert = (
        f"INSERT INTO activity_activity ({columns}) "
        f"VALUES ({', '.join(':' + c for c in _MINIMAL_COLUMNS)})"
    )
    pg_insert = (
        f"INSERT INTO activity_activity ({columns}) "
        f"VALUES ({', '.join(f'${i}' for i in range(1, len(_MINIMAL_COLUMNS) + 1))})"
    )
    sqlalchemy_insert = text(sqlite_insert)  # named parameters, bound by the dialect
    app = FastAPI(lifespan=lifespan)

    @app.post("/api/v1/activities", status_code=201)
    async def create(request: Request) -> Response:
        row = _minimal_row(await request.json(), sqlite)
        if through_sqlalchemy:
            async with contextlib.AsyncExitStack() as stack:
                if sqlite:  # one writer at a time, as the service does
                    await stack.enter_async_context(state["lock"])
                conn = await stack.enter_async_context(state["engine"].begin())
                await conn.execute(sqlalchemy_insert, row)
        elif sqlite:
            async with state["lock"]:  # one writer at a time, as the service does
                db = state["db"]
                await db.execute("BEGIN IMMEDIATE")
                await db.execute(sqlite_insert, row)
                await db.execute("COMMIT")
        else:
            await state["pool"].execute(pg_insert, *(row[c] for c in _MINIMAL_COLUMNS))
        return Response(json.dumps({"id": str(row["id"])}), 201, media_type="application/json")

    return app


# --- load generation -----------------------------------------------------------------------


@dataclass
class Result:
    name: str
    rate: float  # requests per second
    p50_ms: float
    p99_ms: float
    errors: int
    items_per_request: int = 1

    @classmethod
    def from_latencies(
        cls, name: str, ok: int, errors: int, seconds: float, latencies: list[float], items: int
    ) -> Result:
        lat = sorted(latencies) or [0.0]
        p50 = lat[len(lat) // 2] * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        return cls(name, ok / seconds, p50, p99, errors, items)

    @classmethod
    def from_wrk(cls, name: str, run: WrkResult) -> Result:
        return cls(name, run.requests_per_s, run.p50_ms, run.p99_ms, run.non_2xx)

    @property
    def items_rate(self) -> float:
        return self.rate * self.items_per_request

    def line(self) -> str:
        unit = "req/s" if self.items_per_request == 1 else "batches/s"
        extra = f" = {self.items_rate:,.0f} activities/s" if self.items_per_request > 1 else ""
        return (
            f"  {self.name:<34} {self.rate:>9,.0f} {unit}{extra}  p50 {self.p50_ms:6.1f} ms  "
            f"p99 {self.p99_ms:6.1f} ms  errors {self.errors}"
        )


_counter = 0


def activity_body(with_id: bool = False) -> dict[str, Any]:
    global _counter
    _counter += 1
    starts = datetime(2022, 9, 1, 9, tzinfo=UTC) + timedelta(minutes=_counter)
    body: dict[str, Any] = {
        "title": f"PACT meeting {_counter}",
        "status": "completed",
        "starts_at": starts.isoformat(),
        "directorate": "neighbourhood_partnerships",
        "activity_type": "pact_meeting",
        "channel": "face_to_face",
        "classification": "engagement",
        "purpose": "consult",
        "topics": ["asb"],
        "area": "BRS-01",
        "audience": {"attendees": 12, "young_people": 1},
        "source": "mobile",
    }
    if with_id:
        body["id"] = str(uuid.uuid4())
    return body


async def load(
    name: str,
    url: str,
    headers: dict[str, str],
    make_body: Callable[[], Any],
    *,
    duration: float,
    concurrency: int,
    expect: int,
    items_per_request: int = 1,
    warmup: float = 1.0,
) -> Result:
    """`concurrency` workers POST for `duration` seconds (after a warm-up); bounded both ways."""
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0}
    # Bodies are made before the clock starts, so the load generator does not compete with
    # the servers for the two cores while it is measured. Single posts may repeat a body (no
    # id); batches must not (each item's id is new), so there are enough for the whole run.
    count = 200 if items_per_request == 1 else int((duration + warmup) * 40)
    bodies = [json.dumps(make_body()).encode() for _ in range(count)]
    fresh = iter(bodies) if items_per_request > 1 else None
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker(stop_at: float, record: bool) -> None:
            i = 0
            while time.perf_counter() < stop_at:
                payload = (
                    bodies[i % len(bodies)]
                    if fresh is None
                    else next(fresh, None) or json.dumps(make_body()).encode()
                )
                i += 1
                started = time.perf_counter()
                try:
                    async with session.post(url, data=payload) as response:
                        await response.read()
                        ok = response.status == expect
                except aiohttp.ClientError:
                    ok = False
                if record:
                    latencies.append(time.perf_counter() - started)
                    counts["ok" if ok else "errors"] += 1

        await asyncio.gather(
            *(worker(time.perf_counter() + warmup, False) for _ in range(concurrency))
        )
        started = time.perf_counter()
        await asyncio.gather(*(worker(started + duration, True) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Result.from_latencies(
        name, counts["ok"], counts["errors"], elapsed, latencies, items_per_request
    )


def wrk_post(
    name: str, url: str, key: str, workdir: Path, *, duration: float, concurrency: int
) -> Result:
    """Single POSTs driven by wrk (-t1, as the reference figures): a C load generator, so the
    client takes little of the two cores the servers share. Each request is a new activity
    (no id, no Idempotency-Key), the same body every time."""
    script = workdir / "post.lua"
    body = json.dumps(activity_body())
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = [[{body}]]\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    wrk(url, seconds=1, connections=concurrency, headers={"X-API-Key": key}, script=script)
    run = wrk(
        url,
        seconds=max(1, round(duration)),
        connections=concurrency,
        headers={"X-API-Key": key},
        script=script,
    )
    return Result.from_wrk(name, run)


# --- processes -----------------------------------------------------------------------------


def start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(
        argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def postgres_database(label: str) -> tuple[str, Callable[[], Any]]:
    import asyncpg

    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = POSTGRES_ADMIN.rsplit("/", 1)[0]

    async def drop() -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()

    return f"{base}/{name}", drop


async def seed_minimal(url: str) -> None:
    """The areas the minimal app's rows refer to (same foreign keys as the service)."""
    from services.activity.areas.models import Area

    engine = create_engine(url)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        for area in AREAS:
            kind = area["kind"]
            await conn.execute(
                Area.__table__.insert().values(  # type: ignore[attr-defined]
                    code=area["code"],
                    name=area["name"],
                    kind=kind,
                    parent_code=area.get("parent"),
                    district_code="BRS" if kind != "force" else None,
                    contact_details={},
                    people=[],
                    priorities=[],
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
    await engine.dispose()


async def _measure(
    key: str,
    workdir: Path,
    gateway_port: int,
    minimal: str,
    minimal_sqlalchemy: str,
    duration: float,
    concurrency: int,
) -> dict[str, Result]:
    activity_port = gateway_port + 1
    results: dict[str, Result] = {}
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    async with aiohttp.ClientSession(headers=headers) as session:
        for area in AREAS:
            async with session.post(
                f"http://127.0.0.1:{activity_port}/api/v1/areas", json=area
            ) as response:
                assert response.status == 201, await response.text()
    path = "/api/v1/activities"
    singles = {
        "gateway": ("single POST via gateway", f"http://127.0.0.1:{gateway_port}"),
        "direct": ("single POST direct to service", f"http://127.0.0.1:{activity_port}"),
        "minimal": ("minimal FastAPI+INSERT, driver", minimal),
        "minimal_sqlalchemy": ("minimal FastAPI+INSERT, SQLAlchemy", minimal_sqlalchemy),
    }
    for name, (label, base) in singles.items():
        results[name] = await asyncio.to_thread(
            wrk_post, label, base + path, key, workdir, duration=duration, concurrency=concurrency
        )
    # Single posts are measured with enough clients to keep the service busy (32); batches
    # likewise: with two clients a batch's own database time leaves the service idle part of
    # the time, so the figure is also taken with four, and the speed-up uses the higher.
    for clients in BATCH_CLIENTS:
        results[f"batch_{clients}"] = await load(
            f"batch POST of 500, {clients} clients",
            f"http://127.0.0.1:{activity_port}{path}/batch",
            headers,
            lambda: {"items": [activity_body(with_id=True) for _ in range(500)]},
            expect=200,
            items_per_request=500,
            duration=duration,
            concurrency=clients,
            warmup=0.5,
        )
    return results


async def run_backend(backend: str, duration: float, concurrency: int) -> dict[str, float]:
    from shared.migrations import upgrade

    workdir = Path(tempfile.mkdtemp(prefix=f"bench-activity-{backend}-"))
    key = "bench-" + secrets.token_urlsafe(16)
    cleanups: list[Callable[[], Any]] = []
    if backend == "postgresql":
        service_url, drop_service = await postgres_database("service")
        minimal_url, drop_minimal = await postgres_database("minimal")
        cleanups += [drop_service, drop_minimal]
    else:
        service_url = f"sqlite+aiosqlite:///{workdir / 'activity.db'}"
        minimal_url = f"sqlite+aiosqlite:///{workdir / 'minimal.db'}"
    await upgrade("activity", minimal_url)
    await seed_minimal(minimal_url)

    gateway_port = free_port_block()
    activity_port = gateway_port + 1
    env = dict(
        os.environ,
        HUB_PORT=str(gateway_port),
        HUB_DATA_DIR=str(workdir),
        HUB_DEMO="0",
        HUB_BOOTSTRAP_API_KEY=key,
        HUB_LOG_LEVEL="WARNING",
        ACTIVITY_DATABASE_URL=service_url,
        GATEWAY_RATE_LIMIT="",  # off: this benchmark measures the write path
        PYTHONUNBUFFERED="1",
    )
    hub = start([str(ROOT / ".venv/bin/hub"), "up"], env, workdir / "hub.log")
    results: dict[str, Result] = {}
    try:
        await wait_ready(f"http://127.0.0.1:{gateway_port}/healthz")
        await wait_ready(f"http://127.0.0.1:{activity_port}/healthz")
        # Started once the suite holds its ports, so free ports cannot clash with them.
        with contextlib.ExitStack() as minimals:
            minimal, minimal_sqlalchemy = (
                minimals.enter_context(
                    uvicorn_process(
                        "bench.activity_post:minimal_app",
                        free_port(),
                        {"MINIMAL_DATABASE_URL": minimal_url, "MINIMAL_CLIENT": client},
                        ready_path="/openapi.json",
                    )
                )
                for client in ("driver", "sqlalchemy")
            )
            results.update(
                await _measure(
                    key, workdir, gateway_port, minimal, minimal_sqlalchemy, duration, concurrency
                )
            )
    finally:
        stop(hub)
        for cleanup in cleanups:
            with contextlib.suppress(Exception):
                await cleanup()
    print(f"\n== {backend} ({duration:.0f} s per run, {concurrency} connections) ==")
    for result in results.values():
        print(result.line())
    ratios = {
        "gateway/direct": results["gateway"].rate / results["direct"].rate,
        "service/minimal": results["direct"].rate / results["minimal"].rate,
        # Not the target's baseline; shows what the data-access layer itself costs.
        "service/minimal via SQLAlchemy": results["direct"].rate
        / results["minimal_sqlalchemy"].rate,
        "batch speed-up": max(results[f"batch_{n}"].items_rate for n in BATCH_CLIENTS)
        / results["direct"].rate,
    }
    targets = {
        "gateway/direct": 0.5,
        "service/minimal": 0.5,
        "service/minimal via SQLAlchemy": 0.5,
        "batch speed-up": 10.0,
    }
    for name, value in ratios.items():
        verdict = "meets" if value >= targets[name] else "MISSES"
        print(f"  {name:<32} {value:6.2f}x  (target >= {targets[name]}x: {verdict})")
    return ratios


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    summary = {}
    for backend in backends:
        summary[backend] = await run_backend(backend, args.duration, args.concurrency)
    print("\n" + json.dumps({"ratios": summary}, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
