"""`hub up`: the whole suite as separate uvicorn processes on loopback, logs prefixed."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from hub.cli import load_demo, migrate
from hub.services import GATEWAY_FACTORY, SERVICES
from shared.logging import uvicorn_log_config
from shared.settings import HubSettings

STOP_GRACE_S = 10.0
READY_WAIT_S = 120.0
COLOURS = {"activity": 36, "survey": 35, "kpi": 33, "gateway": 32}


@dataclass
class Child:
    name: str
    process: asyncio.subprocess.Process


def _bootstrap_key(data_dir: Path) -> tuple[str, bool]:
    """The configured key, or one made once for this data dir and kept in a 0600 file."""
    configured = os.environ.get("HUB_BOOTSTRAP_API_KEY")
    if configured:
        return configured, False
    path = data_dir / "dev-api-key"
    if path.exists():
        return path.read_text().strip(), True
    data_dir.mkdir(parents=True, exist_ok=True)
    key = "dev-" + secrets.token_urlsafe(24)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key, True


def _log_config(hub: HubSettings, name: str) -> Path:
    """uvicorn's own start-up lines in the Hub's log format (a file per process)."""
    path = hub.data_dir / "logging" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    config = uvicorn_log_config(name, hub.log_level, json_lines=hub.log_json)
    path.write_text(json.dumps(config, indent=2))
    return path


def _uvicorn(factory: str, port: int, log_config: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-config",
        str(log_config),
        "--timeout-graceful-shutdown",
        "5",
    ]


async def _pump(child: Child, width: int) -> None:
    assert child.process.stdout is not None
    colour = COLOURS.get(child.name, 0)
    tty = sys.stdout.isatty()
    prefix = f"{child.name:<{width}} | "
    if tty:
        prefix = f"\x1b[{colour}m{prefix}\x1b[0m"
    async for raw in child.process.stdout:
        sys.stdout.write(prefix + raw.decode(errors="replace"))
        sys.stdout.flush()


async def _wait_ready(url: str, deadline: float, children: list[Child]) -> bool:
    async with httpx.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if any(c.process.returncode is not None for c in children):
                return False  # a child died while starting: no point waiting

            try:
                if (await client.get(url)).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.25)
    return False


async def _run(port: int) -> int:
    started = time.monotonic()
    hub = HubSettings()
    key, generated = _bootstrap_key(hub.data_dir)
    env = dict(os.environ, HUB_BOOTSTRAP_API_KEY=key, PYTHONUNBUFFERED="1")
    os.environ["HUB_BOOTSTRAP_API_KEY"] = key

    local: dict[str, int] = {}
    for name, spec in SERVICES.items():
        external = os.environ.get(f"HUB_{name.upper()}_URL")
        if external:
            print(f"hub: using external {name} service at {external}", flush=True)
            continue
        local[name] = int(os.environ.get(f"HUB_{name.upper()}_PORT", port + spec.port_offset))
        env[f"HUB_{name.upper()}_URL"] = f"http://127.0.0.1:{local[name]}"
    # The KPI service reads its sources directly (not through the gateway), with its own key.
    for source in ("activity", "survey"):
        env.setdefault(f"KPI_{source.upper()}_URL", env.get(f"HUB_{source.upper()}_URL", ""))
    env.setdefault("KPI_SOURCE_API_KEY", key)

    await migrate(list(local))
    if os.environ.get("HUB_DEMO", "1") != "0":
        await load_demo(list(local), 1)

    children: list[Child] = []
    commands = [
        (n, _uvicorn(SERVICES[n].app_factory, p, _log_config(hub, n))) for n, p in local.items()
    ]
    commands.append(("gateway", _uvicorn(GATEWAY_FACTORY, port, _log_config(hub, "gateway"))))
    width = max(len(n) for n, _ in commands)
    for name, argv in commands:
        process = await asyncio.create_subprocess_exec(
            *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        children.append(Child(name, process))
    pumps = [asyncio.create_task(_pump(c, width)) for c in children]

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    base = f"http://127.0.0.1:{port}"
    exit_code_on_failure = 0
    if await _wait_ready(base + "/readyz", time.monotonic() + READY_WAIT_S, children):
        where = (
            f"(kept in {hub.data_dir / 'dev-api-key'})" if generated else "(HUB_BOOTSTRAP_API_KEY)"
        )
        print(
            "\n".join(
                [
                    "",
                    f"Engagement Hub ready in {time.monotonic() - started:.1f}s",
                    f"  gateway   {base}   API under {base}/api/v1",
                    f"  docs      {base}/docs   OpenAPI {base}/openapi.json",
                    *(f"  {n:<9} http://127.0.0.1:{p}" for n, p in local.items()),
                    f"  API key   {key}   {where}",
                    f'  try:      curl -H "X-API-Key: {key}" {base}/api/v1/activities',
                    "  stop:     Ctrl-C",
                    "",
                ]
            ),
            flush=True,
        )
    else:
        print("hub: the suite did not become ready; stopping", flush=True)
        stop.set()
        exit_code_on_failure = 1

    waiters = [asyncio.create_task(c.process.wait()) for c in children]
    stop_task = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([stop_task, *waiters], return_when=asyncio.FIRST_COMPLETED)
    exit_code = exit_code_on_failure
    if stop_task not in done:
        dead = next(c for c, w in zip(children, waiters, strict=True) if w in done)
        print(f"hub: {dead.name} exited with {dead.process.returncode}; stopping", flush=True)
        exit_code = 1
    for child in children:
        if child.process.returncode is None:
            child.process.terminate()
    try:
        await asyncio.wait_for(asyncio.gather(*waiters), STOP_GRACE_S)
    except TimeoutError:
        for child in children:
            if child.process.returncode is None:
                child.process.kill()
        await asyncio.gather(*waiters)
    for pump in pumps:
        pump.cancel()
    print("hub: stopped", flush=True)
    return exit_code


def run_suite(port: int) -> int:
    return asyncio.run(_run(port))
