"""The KPI service wired to real activity and survey apps: in process over ASGI, or as real
processes on loopback (to stop a source mid-test)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hub.ports import free_port
from hub.services import SERVICES
from tests.conftest import client_for
from tests.support.databases import DatabaseFactory
from tests.support.factories import seed_areas
from tests.support.processes import wait_ready


@dataclass
class Stack:
    kpi: httpx.AsyncClient
    activity: httpx.AsyncClient
    survey: httpx.AsyncClient


@pytest.fixture
async def stack(
    activity_client: httpx.AsyncClient, survey_client: httpx.AsyncClient, kpi_db_url: str
) -> AsyncIterator[Stack]:
    """The KPI service reading the activity and survey services (areas of the test force)."""
    from services.kpi.app import create_app
    from services.kpi.config import KpiSettings

    await seed_areas(activity_client)
    settings = KpiSettings(
        database_url=kpi_db_url,
        activity_url="http://activity",
        survey_url="http://survey",
        area_cache_s=0,
    )
    transports = {
        "activity": httpx.ASGITransport(app=activity_client.app),  # type: ignore[attr-defined]
        "survey": httpx.ASGITransport(app=survey_client.app),  # type: ignore[attr-defined]
    }
    app = create_app(settings, source_transports=transports)
    async for client in client_for(app, "http://kpi"):
        yield Stack(kpi=client, activity=activity_client, survey=survey_client)


@dataclass
class Process:
    """One service as a real uvicorn process on a loopback port."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_service(name: str, env: dict[str, str], workdir: Path, timeout_s: float = 60) -> Process:
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                SERVICES[name].app_factory,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
            ],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    started = Process(name, f"http://127.0.0.1:{port}", process, log)
    if wait_ready(process, started.url, log, name, timeout_s=timeout_s):
        return started
    started.stop()
    raise RuntimeError(f"{name} not ready in {timeout_s}s:\n{log.read_text(errors='replace')}")


@pytest.fixture
async def processes(
    databases: DatabaseFactory, tmp_path: Path
) -> AsyncIterator[dict[str, Process]]:
    """Activity, survey and KPI services as separate processes, the KPI one reading the others."""
    running: dict[str, Process] = {}
    try:
        for name in ("activity", "survey"):
            url = await databases.fresh(name)
            running[name] = await asyncio.to_thread(
                start_service, name, {f"{name.upper()}_DATABASE_URL": url}, tmp_path
            )
        kpi_env = {
            "KPI_DATABASE_URL": await databases.fresh("kpi"),
            "KPI_ACTIVITY_URL": running["activity"].url,
            "KPI_SURVEY_URL": running["survey"].url,
            "KPI_SOURCE_TIMEOUT_S": "3",
            "KPI_AREA_CACHE_S": "0",
        }
        running["kpi"] = await asyncio.to_thread(start_service, "kpi", kpi_env, tmp_path)
        yield running
    finally:
        for process in running.values():
            process.stop()
