"""Start the real suite (`hub up`) on free loopback ports for gateway-path tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from hub.ports import free_port_block


@dataclass
class Suite:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def wait_ready(
    process: subprocess.Popen[bytes],
    base_url: str,
    log_path: Path,
    name: str,
    *,
    timeout_s: float,
    poll_s: float = 0.2,
) -> bool:
    """Poll `base_url`/readyz until it answers 200 (True) or `timeout_s` passes (False); a
    process that exits first raises with its log."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(base_url + "/readyz", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(poll_s)
    return False


def start_suite(data_dir: Path, env_overrides: dict[str, str], *, timeout_s: float = 90) -> Suite:
    port = free_port_block()
    log_path = data_dir / "suite.log"
    env = dict(os.environ)
    env.update(
        {
            "HUB_PORT": str(port),
            "HUB_DATA_DIR": str(data_dir),
            "HUB_DEMO": "0",
            "HUB_LOG_LEVEL": "INFO",
            "HUB_LOG_JSON": "true",
        }
    )
    env.update(env_overrides)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "up"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so teardown stops every child
        )
    suite = Suite(process, f"http://127.0.0.1:{port}", log_path)
    if wait_ready(process, suite.base_url, log_path, "hub up", timeout_s=timeout_s):
        return suite
    suite.stop()
    raise RuntimeError(f"suite not ready in {timeout_s}s:\n{suite.log()}")


@dataclass
class Gateway:
    """One more gateway process (a replica) in front of a running suite's services."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gateway(
    suite: Suite, log_dir: Path, env_overrides: dict[str, str], *, timeout_s: float = 60
) -> Gateway:
    """A second gateway on a free port, with the suite's services as its upstreams."""
    port = free_port_block(1)
    env = dict(os.environ)
    env.update(
        {
            "HUB_DATA_DIR": str(suite.log_path.parent),
            "HUB_ACTIVITY_URL": f"http://127.0.0.1:{suite.port + 1}",
            "HUB_SURVEY_URL": f"http://127.0.0.1:{suite.port + 2}",
            "HUB_KPI_URL": f"http://127.0.0.1:{suite.port + 3}",
            "HUB_LOG_LEVEL": "WARNING",
        }
    )
    env.update(env_overrides)
    log_path = log_dir / f"gateway-{port}.log"
    argv = [sys.executable, "-m", "uvicorn", "--factory", "gateway.app:create_app"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    gateway = Gateway(process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gateway exited early:\n{gateway.log()}")
        try:
            if httpx.get(gateway.base_url + "/readyz", timeout=1).status_code == 200:
                return gateway
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    gateway.stop()
    raise RuntimeError(f"gateway not ready in {timeout_s}s:\n{gateway.log()}")
