"""Gateway overhead, and the choice of its upstream client.

Measures, in one run and interleaved: a GET straight at the KPI service, the same GET through
a gateway whose httpx client uses the aiohttp transport, and through a gateway on httpx's own
pool. Prints throughput and each gateway's ratio to direct (target: >= 0.5x).

    .venv/bin/python -m bench.gateway_proxy [--seconds 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench._harness import BENCH_KEY, WrkResult, free_port, median_rps, uvicorn_process, wrk
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
            targets = {"direct": kpi}
            for transport in ("aiohttp", "httpx"):
                targets[transport] = stack.enter_context(
                    uvicorn_process(
                        "gateway.app:create_app",
                        free_port(),
                        {"HUB_KPI_URL": kpi, "GATEWAY_UPSTREAM_TRANSPORT": transport},
                    )
                )
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
    for name, label in (
        ("direct", "direct to the service"),
        ("aiohttp", "gateway, httpx + aiohttp transport"),
        ("httpx", "gateway, httpx own pool"),
    ):
        rps = median_rps(results[name])
        p99 = sorted(r.p99_ms for r in results[name])[len(results[name]) // 2]
        errors = sum(r.non_2xx for r in results[name])
        print(
            f"  {label:<36} {rps:8.0f} req/s  p99 {p99:6.1f} ms  "
            f"ratio {rps / direct:4.2f}x  non-2xx {errors}"
        )


if __name__ == "__main__":
    main()
