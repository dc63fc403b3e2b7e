"""`hub up`: the whole suite as separate uvicorn processes on loopback, logs prefixed.

A process that dies once the suite is up is started again (after 0.5 s, doubling up to 15 s
while it keeps dying young; logged), so one crashed service never stops the others. Ctrl-C
(SIGINT) or SIGTERM stops everything.
"""

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

from gateway.identity import internal_secret
from hub.cli import load_demo, migrate
from hub.services import GATEWAY_FACTORY, SERVICES
from shared.logging import uvicorn_log_config
from shared.settings import HubSettings

STOP_GRACE_S = 10.0
READY_WAIT_S = 120.0
RESTART_FIRST_S = 0.5
RESTART_MAX_S = 15.0
# A process that ran this long before dying starts again after the first delay.
RESTART_STABLE_S = 30.0
COLOURS = {"activity": 36, "survey": 35, "kpi": 33, "gateway": 32}


@dataclass
class Child:
    name: str
    argv: list[str]
    process: asyncio.subprocess.Process
    started_at: float
    restarts: int = 0


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
        "--no-server-header",
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


async def _spawn(argv: list[str], env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )


async def _keep_running(
    child: Child,
    env: dict[str, str],
    width: int,
    stop: asyncio.Event,
    pumps: list[asyncio.Task[None]],
) -> None:
    """Start `child` again each time it dies, until the suite stops."""
    delay = RESTART_FIRST_S
    while True:
        code = await child.process.wait()
        if stop.is_set():
            return
        if time.monotonic() - child.started_at >= RESTART_STABLE_S:
            delay = RESTART_FIRST_S
        try:
            # Waiting first also tells a death from Ctrl-C, which the terminal sends to every
            # process of the group at once: by then the suite is stopping.
            await asyncio.wait_for(stop.wait(), delay)
            return
        except TimeoutError:
            pass
        child.process = await _spawn(child.argv, env)
        if stop.is_set():  # Ctrl-C came while it was starting
            child.process.terminate()
        child.started_at = time.monotonic()
        child.restarts += 1
        pumps.append(asyncio.create_task(_pump(child, width)))
        print(
            f"hub: {child.name} exited with {code}; started again after {delay:.1f}s "
            f"(restart {child.restarts})",
            flush=True,
        )
        delay = min(delay * 2, RESTART_MAX_S)


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
    env["HUB_INTERNAL_SECRET"] = os.environ["HUB_INTERNAL_SECRET"] = internal_secret(hub.data_dir)

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

    await migrate([*local, "gateway"])
    if os.environ.get("HUB_DEMO", "1") != "0":
        await load_demo(list(local), 1)

    children: list[Child] = []
    commands = [
        (n, _uvicorn(SERVICES[n].app_factory, p, _log_config(hub, n))) for n, p in local.items()
    ]
    commands.append(("gateway", _uvicorn(GATEWAY_FACTORY, port, _log_config(hub, "gateway"))))
    width = max(len(n) for n, _ in commands)
    for name, argv in commands:
        children.append(Child(name, argv, await _spawn(argv, env), time.monotonic()))
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

    keepers = [asyncio.create_task(_keep_running(c, env, width, stop, pumps)) for c in children]
    await stop.wait()
    for child in children:
        if child.process.returncode is None:
            child.process.terminate()
    # Each keeper returns once its process has exited (asyncio.wait cancels nothing).
    _, running = await asyncio.wait(keepers, timeout=STOP_GRACE_S)
    if running:
        for child in children:
            if child.process.returncode is None:
                child.process.kill()
        await asyncio.wait(running)
    exit_code = exit_code_on_failure
    for pump in pumps:
        pump.cancel()
    print("hub: stopped", flush=True)
    return exit_code


def run_suite(port: int) -> int:
    return asyncio.run(_run(port))
