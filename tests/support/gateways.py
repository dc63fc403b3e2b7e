"""A gateway process on its own (uvicorn, a free loopback port) in front of given upstreams,
for tests that need gateway settings of their own or several replicas."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from hub.ports import free_port


@contextmanager
def gateway_process(env: dict[str, str], log_path: Path, *, timeout_s: float = 60) -> Iterator[str]:
    """Run the gateway with `env` on top of this process's environment; yields its base URL."""
    port = free_port()
    full_env = {**os.environ, "HUB_LOG_LEVEL": "WARNING", **env}
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "gateway.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
                "--no-server-header",
            ],
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gateway exited early:\n{log_path.read_text()}")
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gateway not up in {timeout_s}s:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def suite_upstreams(suite_port: int) -> dict[str, str]:
    """The upstream settings naming the services of a suite started by `hub up`."""
    return {
        "HUB_ACTIVITY_URL": f"http://127.0.0.1:{suite_port + 1}",
        "HUB_SURVEY_URL": f"http://127.0.0.1:{suite_port + 2}",
        "HUB_KPI_URL": f"http://127.0.0.1:{suite_port + 3}",
    }
