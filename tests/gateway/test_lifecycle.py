"""`hub up` as a newcomer runs it: starts everything, and SIGTERM to the group stops it all."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import httpx

from tests.conftest import AUTH
from tests.support.processes import start_suite


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_to_the_process_group_stops_every_process(tmp_path: Path) -> None:
    suite = start_suite(tmp_path, {"HUB_DEMO": "1"})
    port = int(suite.base_url.rsplit(":", 1)[1])
    try:
        deadline = time.monotonic() + 30
        while "Engagement Hub ready" not in suite.log() and time.monotonic() < deadline:
            time.sleep(0.1)  # /readyz answers a moment before the banner is printed
        log = suite.log()
        for service in ("activity", "survey", "kpi", "gateway"):
            assert any(line.startswith(f"{service} ") for line in log.splitlines()), service
        assert "Engagement Hub ready" in log
        # Demo data was loaded into the empty store.
        demo = httpx.get(suite.base_url + "/api/v1/activities", headers=AUTH, timeout=10)
        assert demo.status_code == 200
        assert demo.json()["items"]
        assert all(_listening(port + offset) for offset in range(4))
    finally:
        os.killpg(suite.process.pid, signal.SIGTERM)
        code = suite.process.wait(timeout=30)
    assert code == 0
    assert not any(_listening(port + offset) for offset in range(4))
    assert "hub: stopped" in suite.log()
