"""`hub`: run the whole Engagement Hub locally, migrate databases, load demo data."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from sqlalchemy.engine import make_url

from hub.services import SERVICES, STORES
from shared.db import Database
from shared.migrations import upgrade


async def migrate(names: list[str]) -> None:
    for name in names:
        spec = STORES[name]
        url = spec.settings().database_url
        await upgrade(name, url)
        print(f"migrated {name}: {make_url(url).render_as_string(hide_password=True)}", flush=True)


async def load_demo(names: list[str], size: int) -> None:
    for name in names:
        spec = SERVICES[name]
        loader = spec.demo()
        if loader is None:
            continue
        settings = spec.settings()
        db = Database(settings.database_url)
        try:
            loaded = await loader(db, size)
        finally:
            await db.dispose()
        state = "loaded" if loaded else "skipped (store not empty)"
        print(f"demo data for {name}: {state}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hub", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="migrate, load demo data, start every service and the gateway")
    up.add_argument(
        "--port", type=int, default=None, help="gateway port (default $HUB_PORT or 8000)"
    )
    mig = sub.add_parser("migrate", help="apply every migration (all services by default)")
    mig.add_argument("services", nargs="*", metavar="service", help=", ".join(STORES))
    demo = sub.add_parser("demo", help="load demo data into empty stores")
    demo.add_argument("--size", type=int, default=1, help="scale: 1 = about a year of one force")
    demo.add_argument("services", nargs="*", metavar="service", help=", ".join(SERVICES))
    rev = sub.add_parser("revision", help="autogenerate a migration for one service")
    rev.add_argument("service", choices=list(STORES))
    rev.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    known = STORES if args.command == "migrate" else SERVICES
    unknown = [s for s in getattr(args, "services", []) if s not in known]
    if unknown:
        parser.error(f"unknown service(s): {', '.join(unknown)}; choose from {', '.join(known)}")

    if args.command == "migrate":
        asyncio.run(migrate(args.services or list(STORES)))
        return 0
    if args.command == "demo":
        asyncio.run(load_demo(args.services or list(SERVICES), args.size))
        return 0
    if args.command == "revision":
        from hub.revision import make_revision

        make_revision(args.service, args.message)
        return 0
    from hub.supervisor import run_suite

    port = args.port or int(os.environ.get("HUB_PORT", "8000"))
    return run_suite(port)


if __name__ == "__main__":
    sys.exit(main())
