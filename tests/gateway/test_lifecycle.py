"""`hub up` as a newcomer runs it: starts everything, and SIGTERM to the group stops it all."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import httpx

from tests.conftest import AUTH
from tests.support.processes import Suite, start_suite


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_to_the_process_group_stops_every_process(tmp_path: Path, suite: Suite) -> None:
    # The KPI service of the session's suite stands in for an external one: this `hub up`
    # must use it and not start its own.
    external_kpi = f"http://127.0.0.1:{suite.port + 3}"
    mine = start_suite(tmp_path, {"HUB_DEMO": "1", "HUB_KPI_URL": external_kpi})
    own_ports = [mine.port, mine.port + 1, mine.port + 2]
    try:
        deadline = time.monotonic() + 30
        while "Engagement Hub ready" not in mine.log() and time.monotonic() < deadline:
            time.sleep(0.1)  # /readyz answers a moment before the banner is printed
        log = mine.log()
        lines = log.splitlines()
        for service in ("activity", "survey", "gateway"):
            assert any(line.startswith(f"{service} ") for line in lines), service
        assert not any(line.startswith("kpi ") for line in lines)
        assert f"using external kpi service at {external_kpi}" in log
        assert "Engagement Hub ready" in log
        # Demo data was loaded into the empty store; the external KPI service answers.
        demo = httpx.get(mine.base_url + "/api/v1/activities", headers=AUTH, timeout=10)
        assert demo.status_code == 200
        assert demo.json()["items"]
        kpis = httpx.get(mine.base_url + "/api/v1/kpis", headers=AUTH, timeout=10)
        assert kpis.status_code == 200
        assert all(_listening(p) for p in own_ports)
    finally:
        os.killpg(mine.process.pid, signal.SIGTERM)
        code = mine.process.wait(timeout=30)
    assert code == 0
    assert not any(_listening(p) for p in own_ports)
    assert "hub: stopped" in mine.log()
    # The external service was left alone.
    assert httpx.get(external_kpi + "/healthz", timeout=5).status_code == 200
