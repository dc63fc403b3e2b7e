"""Who runs an import: several instances never run one at once, a worker whose job was taken
over stops, and a live worker's job is left to it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from services.survey.imports import run
from services.survey.imports.repository import JOBS
from shared.db import Database
from shared.jobs import RunLater
from tests.survey.conftest import generate, to_csv, wait_for_job

IMPORTS = "/api/v1/surveys/opcc/imports"
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


async def _not_queued(session: Any, job_id: str) -> None:
    return None


def _app(client: httpx.AsyncClient) -> Any:
    return client._transport.app  # type: ignore[attr-defined]


async def _upload(client: httpx.AsyncClient, seed: int) -> str:
    data = to_csv(generate(seed, {"2022-Q1": 5}, prefix=f"Q{seed}-"))
    response = await client.post(IMPORTS, files={"file": (f"{seed}.csv", data, "text/csv")})
    assert response.status_code == 202, response.text
    return str(response.headers["location"])


async def test_two_instances_run_each_queued_import_once_and_never_at_once(
    survey_app_factory: Any, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An API-only instance takes the files; two others run them, one at a time each.
    receiver = await survey_app_factory(import_consumer=False)
    if backend == "sqlite":  # jobs run in the process that took them: this one "dies" first
        _app(receiver).state.import_queue.submit = _not_queued
    locations = [await _upload(receiver, seed) for seed in range(6)]

    real_execute = run._execute
    running: set[str] = set()
    runs: list[tuple[str, int]] = []  # (job, instance)

    async def observed(db: Database, settings: Any, job_id: str, *rest: Any) -> None:
        assert job_id not in running, f"{job_id} runs twice at once"
        running.add(job_id)
        runs.append((job_id, id(db)))
        try:
            await asyncio.sleep(0.3)  # long enough for the other instance to want it too
            await real_execute(db, settings, job_id, *rest)
        finally:
            running.discard(job_id)

    monkeypatch.setattr(run, "_execute", observed)
    first = await survey_app_factory(import_concurrency=1)
    await survey_app_factory(import_concurrency=1)
    jobs = [await wait_for_job(first, location) for location in locations]
    assert [(j["state"], j["inserted"]) for j in jobs] == [("done", 5)] * 6
    assert sorted(job for job, _ in runs) == sorted(j["id"] for j in jobs)  # each once
    assert len({instance for _, instance in runs}) == 2  # both instances took some


async def test_a_live_workers_import_is_left_to_it_and_a_stalled_worker_stops_when_taken_over(
    survey_app_factory: Any, survey_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.survey.config import SurveySettings

    started: list[int] = []
    stopped: list[int] = []
    runs = [asyncio.Event(), asyncio.Event()]  # set as the first and the second run start
    a_stop = asyncio.Event()

    async def stuck(db: Database, settings: Any, job_id: str, *rest: Any) -> None:
        started.append(id(db))
        runs[len(started) - 1].set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            stopped.append(id(db))
            a_stop.set()
            raise

    paused: set[int] = set()  # instances whose heartbeat does not get through
    real_beat = run._beat

    async def beat(db: Database, job_id: str, claimed_at: Any) -> bool:
        return True if id(db) in paused else await real_beat(db, job_id, claimed_at)

    monkeypatch.setattr(run, "_execute", stuck)
    monkeypatch.setattr(run, "_beat", beat)
    client = await survey_app_factory(import_stale_seconds=5)  # it beats every 1.25 s
    worker: Database = _app(client).state.db
    location = await _upload(client, 1)
    job_id = location.rsplit("/", 1)[1]
    await asyncio.wait_for(runs[0].wait(), 10)

    # Another instance asked to run it finds its worker alive: it is to try again later.
    other = Database(survey_db_url)
    settings = SurveySettings(database_url=survey_db_url, import_stale_seconds=5)
    try:
        with pytest.raises(RunLater) as later:
            await run.run_import(other, settings, job_id)
        assert 1 <= later.value.delay <= 7
        assert started == [id(worker)]

        # The worker stalls (no heartbeat for longer than the stale limit): the job is taken
        # over, and the worker, once it can beat again, finds that out and stops.
        paused.add(id(worker))
        async with other.engine.begin() as conn:
            await conn.execute(
                update(JOBS).where(JOBS.c.id == job_id).values(heartbeat_at=LONG_AGO)
            )
        takeover = asyncio.create_task(run.run_import(other, settings, job_id))
        await asyncio.wait_for(runs[1].wait(), 10)
        assert started == [id(worker), id(other)]
        paused.clear()
        await asyncio.wait_for(a_stop.wait(), 5)  # within a beat (1.25 s) or so
        assert stopped == [id(worker)]  # only the stalled worker, the new one runs on
        job = (await client.get(location)).json()
        assert job["state"] == "running"  # under the new claim, not handed back
        takeover.cancel()
        await asyncio.gather(takeover, return_exceptions=True)
    finally:
        await other.dispose()
