"""`hub up` keeps the suite up: a service killed mid-test makes only its own routes fail (502 or
503 within a second, the others keep answering), and it is back once restarted; Ctrl-C still
stops everything."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import httpx
import psutil

from tests.conftest import AUTH, assert_problem
from tests.support.processes import start_suite


def _service_process(hub_pid: int, factory: str) -> psutil.Process:
    for child in psutil.Process(hub_pid).children(recursive=True):
        if factory in " ".join(child.cmdline()):
            return child
    raise LookupError(factory)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_killed_service_is_restarted_while_the_others_keep_answering(tmp_path: Path) -> None:
    suite = start_suite(tmp_path, {"GATEWAY_BREAKER_OPEN_S": "1"})
    try:
        with httpx.Client(base_url=suite.base_url, headers=AUTH, timeout=10) as client:
            assert client.get("/api/v1/activities").status_code == 200
            victim = _service_process(suite.process.pid, "services.activity.app:create_app")
            victim.kill()
            victim.wait(5)
            killed_at = time.monotonic()
            failed = client.get("/api/v1/activities")
            assert time.monotonic() - killed_at < 1
            assert failed.status_code in (502, 503)
            assert_problem(failed, failed.status_code)
            assert "activity" in failed.json()["detail"]
            # The others keep answering.
            assert client.get("/api/v1/kpis").status_code == 200
            assert client.get("/api/v1/surveys").status_code == 200
            ready = client.get("/readyz")
            if ready.status_code == 503:  # unless the restart was quicker than this check
                assert ready.json()["checks"]["activity"] != "ok"
                assert ready.json()["checks"]["kpi"] == "ok"
            # Back once restarted (a new process), without anything else being restarted.
            deadline = time.monotonic() + 60
            while client.get("/api/v1/activities").status_code != 200:
                assert time.monotonic() < deadline, suite.log()
                time.sleep(0.2)
            revived = _service_process(suite.process.pid, "services.activity.app:create_app")
            assert revived.pid != victim.pid
            assert client.get("/readyz").status_code == 200
        log = suite.log()
        assert "hub: activity exited with -9; started again after 0.5s (restart 1)" in log
        assert "restart" not in "".join(
            line for line in log.splitlines() if line.startswith(("hub: kpi", "hub: survey"))
        )
        # Ctrl-C reaches every process of the group, and the suite stops rather than restarts.
        ports = [suite.port + offset for offset in range(4)]
        os.killpg(suite.process.pid, signal.SIGINT)
        assert suite.process.wait(timeout=30) == 0
        assert not any(_listening(port) for port in ports)
        assert "hub: stopped" in suite.log()
        assert "(restart 2)" not in suite.log()
    finally:
        suite.stop()
