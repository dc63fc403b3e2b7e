"""Gateway overhead on a read.

Measures, in one run and interleaved: a GET straight at the KPI service and the same GET
through the gateway (proxied calls on an aiohttp session per upstream; an httpx client in
front of aiohttp, and before that httpx's own pool, cost a third of the throughput). Prints
throughput and the gateway's ratio to direct (target: >= 0.5x). The write path through the
gateway is measured by bench/activity_post.py.

    .venv/bin/python -m bench.gateway_proxy [--seconds 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench._harness import BENCH_KEY, WrkResult, median_rps, uvicorn_process, wrk
from hub.ports import free_port
from shared.migrations import upgrade

PATH = "/api/v1/kpis/school_engagements"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite+aiosqlite:///{Path(tmp) / 'kpi.db'}"
        asyncio.run(upgrade("kpi", db_url))
        with ExitStack() as stack:
            kpi = stack.enter_context(
                uvicorn_process(
                    "services.kpi.app:create_app", free_port(), {"KPI_DATABASE_URL": db_url}
                )
            )
            gateway = stack.enter_context(
                uvicorn_process("gateway.app:create_app", free_port(), {"HUB_KPI_URL": kpi})
            )
            targets = {"direct": kpi, "gateway": gateway}
            results: dict[str, list[WrkResult]] = {name: [] for name in targets}
            headers = {"X-API-Key": BENCH_KEY}
            for base in targets.values():  # warm-up
                wrk(base + PATH, seconds=2, headers=headers)
            for _ in range(args.rounds):  # interleaved, so drift hits every variant alike
                for name, base in targets.items():
                    results[name].append(
                        wrk(
                            base + PATH,
                            seconds=args.seconds,
                            connections=args.connections,
                            headers=headers,
                        )
                    )

    direct = median_rps(results["direct"])
    print(f"GET {PATH}, wrk -t1 -c{args.connections}, {args.rounds} rounds, medians")
    for name, label in (("direct", "direct to the service"), ("gateway", "through the gateway")):
        rps = median_rps(results[name])
        p99 = sorted(r.p99_ms for r in results[name])[len(results[name]) // 2]
        errors = sum(r.non_2xx for r in results[name])
        print(
            f"  {label:<36} {rps:8.0f} req/s  p99 {p99:6.1f} ms  "
            f"ratio {rps / direct:4.2f}x  non-2xx {errors}"
        )


if __name__ == "__main__":
    main()
