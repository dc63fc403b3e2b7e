"""Gateway overhead on a write and on a read, with rate limiting on.

Starts the real suite (`hub up`, the activity service on PostgreSQL by default), then measures
in one run, interleaved, with wrk (-t1, as the figures in DESIGN.md):
- `POST /api/v1/activities` (a new activity each time) straight at the activity service and
  through the gateway;
- `GET /api/v1/activities?limit=20` (a page of the list) likewise.
The gateway checks the rate limit on every call (a limit set high enough never to refuse), so
what it costs is in the figures. Prints throughput, p99 and the gateway's ratios to direct
(targets: throughput >= 0.7x, p99 <= 2x).

    .venv/bin/python -m bench.gateway_proxy [--backend postgresql|sqlite] [--seconds 5]
        [--rounds 3] [--connections 32] [--redis]     # --redis: limits kept in Redis
    HUB_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres  (the default)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench._harness import WrkResult, wait_ready, wrk
from bench.activity_post import AREAS, ROOT, activity_body, postgres_database, start, stop
from hub.ports import free_port_block

LIST_PATH = "/api/v1/activities?limit=20"
POST_PATH = "/api/v1/activities"
TARGET_RATIO, TARGET_P99 = 0.7, 2.0


def _post_script(workdir: Path) -> Path:
    script = workdir / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = [[{json.dumps(activity_body())}]]\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return script


async def _seed(activity: str, key: str) -> None:
    async with httpx.AsyncClient(base_url=activity, headers={"X-API-Key": key}) as client:
        for area in AREAS:
            response = await client.post("/api/v1/areas", json=area)
            assert response.status_code == 201, response.text
        for _ in range(200):  # a list worth paging
            response = await client.post(POST_PATH, json=activity_body())
            assert response.status_code == 201, response.text


def _median(results: list[WrkResult], value: Callable[[WrkResult], float]) -> float:
    return statistics.median(value(r) for r in results)


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    key = "bench-" + secrets.token_urlsafe(16)
    cleanups: list[Callable[[], Any]] = []
    if args.backend == "postgresql":
        database_url, drop = await postgres_database("gateway")
        cleanups.append(drop)
    else:
        database_url = f"sqlite+aiosqlite:///{workdir / 'activity.db'}"
    port = free_port_block()
    env = dict(
        os.environ,
        HUB_PORT=str(port),
        HUB_DATA_DIR=str(workdir),
        HUB_DEMO="0",
        HUB_BOOTSTRAP_API_KEY=key,
        HUB_LOG_LEVEL="WARNING",
        ACTIVITY_DATABASE_URL=database_url,
        # On, and checked on every call, but never refusing one.
        GATEWAY_RATE_LIMIT="10000000/second",
        PYTHONUNBUFFERED="1",
    )
    if args.redis:
        env["HUB_REDIS_URL"] = "redis://127.0.0.1:6379/0"
    hub = start([str(ROOT / ".venv/bin/hub"), "up"], env, workdir / "hub.log")
    gateway, activity = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}"
    results: dict[tuple[str, str], list[WrkResult]] = {}
    try:
        await wait_ready(gateway + "/readyz", within=180)
        await _seed(activity, key)
        script = _post_script(workdir)
        headers = {"X-API-Key": key}
        calls = {"POST": (POST_PATH, script), "list": (LIST_PATH, None)}
        for path, call_script in calls.values():  # warm-up
            for base in (activity, gateway):
                await asyncio.to_thread(
                    wrk, base + path, seconds=1, headers=headers, script=call_script
                )
        for _ in range(args.rounds):  # interleaved, so drift hits every variant alike
            for call, (path, call_script) in calls.items():
                for name, base in (("direct", activity), ("gateway", gateway)):
                    run = await asyncio.to_thread(
                        wrk,
                        base + path,
                        seconds=args.seconds,
                        connections=args.connections,
                        headers=headers,
                        script=call_script,
                    )
                    results.setdefault((call, name), []).append(run)
    finally:
        stop(hub)
        for cleanup in cleanups:
            with contextlib.suppress(Exception):
                await cleanup()

    limits = "Redis" if args.redis else "in memory"
    print(
        f"\n== gateway vs direct, activity service on {args.backend}, rate limits {limits}; "
        f"wrk -t1 -c{args.connections}, {args.rounds} rounds of {args.seconds} s, medians =="
    )
    for call in calls:
        direct, through = results[(call, "direct")], results[(call, "gateway")]
        for name, runs in (("direct", direct), ("gateway", through)):
            print(
                f"  {call:<5} {name:<8} {_median(runs, lambda r: r.requests_per_s):8.0f} req/s"
                f"  p50 {_median(runs, lambda r: r.p50_ms):6.1f} ms"
                f"  p99 {_median(runs, lambda r: r.p99_ms):6.1f} ms"
                f"  non-2xx {sum(r.non_2xx for r in runs)}"
            )
        ratio = _median(through, lambda r: r.requests_per_s) / _median(
            direct, lambda r: r.requests_per_s
        )
        p99 = _median(through, lambda r: r.p99_ms) / _median(direct, lambda r: r.p99_ms)
        verdict = "meets" if ratio >= TARGET_RATIO and p99 <= TARGET_P99 else "MISSES"
        print(
            f"  {call:<5} gateway/direct throughput {ratio:4.2f}x (>= {TARGET_RATIO}x), "
            f"p99 {p99:4.2f}x (<= {TARGET_P99}x): {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--redis", action="store_true", help="rate-limit counters in Redis")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
