"""A survey service killed (SIGKILL) in the middle of an import: the import still ends `done`
with every row of the file stored once and every rejected row reported once.

PostgreSQL: two instances run from the start; the one running the import is killed and the
other, never restarted, picks the job up once the dead one's heartbeat is stale. SQLite (the
embedded store, one instance): the instance started after the kill finishes it.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_engine
from tests.survey.imports.conftest import SurveyProcess, large_file, start_survey

ROWS = 400_000
BAD_EVERY = 5_000
STALE_S = 5  # SURVEY_IMPORT_STALE_SECONDS: how soon a dead worker's job is taken as such
ENV = {"SURVEY_IMPORT_STALE_SECONDS": str(STALE_S)}
IMPORTS = "/api/v1/surveys/opcc/imports"

pytestmark = pytest.mark.slow


async def _runner(instances: list[SurveyProcess], engine: AsyncEngine) -> SurveyProcess | None:
    """The instance running the import: the one the database sees reading its uploaded file
    (the file is streamed from the database while it is parsed) or copying the rows into the
    responses (parsing may run well ahead of the COPY); with one instance, that one."""
    if len(instances) == 1:
        return instances[0]
    async with engine.connect() as conn:
        reading = await conn.execute(
            text(
                "SELECT client_port FROM pg_stat_activity WHERE datname = current_database() "
                "AND (query LIKE 'SELECT survey_import_upload.data%' "
                "OR query LIKE 'COPY %survey_response%')"
            )
        )
        ports = set(reading.scalars())
    for survey in instances:
        connections = psutil.Process(survey.process.pid).net_connections(kind="tcp")
        if ports & {c.laddr.port for c in connections}:
            return survey
    return None


async def _kill_mid_import(
    instances: list[SurveyProcess], location: str, url: str
) -> SurveyProcess:
    """Wait until the job is running with some rows read, then kill its instance."""
    deadline = time.monotonic() + 60
    engine = create_engine(url)
    try:
        with instances[0].client() as client:
            while True:
                job = (await asyncio.to_thread(client.get, location)).json()
                assert job["state"] in ("queued", "running"), f"finished before the kill: {job}"
                runner = await _runner(instances, engine)
                if job["state"] == "running" and job["rows_read"] > 0 and runner is not None:
                    runner.kill()
                    return runner
                assert time.monotonic() < deadline, job
                await asyncio.sleep(0.01)
    finally:
        await engine.dispose()


async def _stored(url: str, job_id: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT count(*), count(DISTINCT respondent_id) FROM survey_response "
                        "WHERE respondent_id LIKE 'K%'"
                    )
                )
            ).one()
            errors = (
                await conn.execute(
                    text(
                        "SELECT count(*), count(DISTINCT row_number) FROM survey_import_error "
                        "WHERE import_id = :job"
                    ),
                    {"job": job_id},
                )
            ).one()
            chunks = await conn.execute(
                text("SELECT count(*) FROM survey_import_upload WHERE import_id = :job"),
                {"job": job_id},
            )
            return {
                "responses": row[0],
                "respondents": row[1],
                "errors": errors[0],
                "error_rows": errors[1],
                "upload_chunks": chunks.scalar_one(),
            }
    finally:
        await engine.dispose()


async def test_an_import_whose_worker_is_killed_finishes_with_nothing_lost_or_doubled(
    survey_db_url: str, backend: str, tmp_path: Path, survey_processes: list[SurveyProcess]
) -> None:
    data, bad = await asyncio.to_thread(large_file, ROWS, bad_every=BAD_EVERY)
    good = ROWS - bad
    names = ["a", "b"] if backend == "postgresql" else ["a"]
    for name in names:
        survey_processes.append(
            await asyncio.to_thread(start_survey, survey_db_url, tmp_path, name, ENV)
        )
    with survey_processes[0].client() as client:
        response = client.post(IMPORTS, files={"file": ("big.csv", data, "text/csv")})
    assert response.status_code == 202, response.text
    location = response.headers["location"]

    killed = await _kill_mid_import(list(survey_processes), location, survey_db_url)
    assert killed.process.returncode == -9
    if backend == "sqlite":
        # The embedded store runs imports in the process that took them: the next start runs
        # the interrupted one, once its heartbeat is stale.
        await asyncio.sleep(STALE_S + 0.5)
        survey_processes.append(
            await asyncio.to_thread(start_survey, survey_db_url, tmp_path, "after", ENV)
        )
    survivor = next(s for s in survey_processes if s is not killed)

    deadline = time.monotonic() + 120
    with survivor.client() as client:
        while (job := client.get(location).json())["state"] not in ("done", "failed"):
            assert time.monotonic() < deadline, (job, survivor.log())
            await asyncio.sleep(0.1)
        errors = client.get(location + "/errors.csv").text.splitlines()
    assert job["state"] == "done", (job, survivor.log())
    assert (job["rows_read"], job["accepted"], job["rejected"]) == (ROWS, good, bad)
    assert (job["inserted"], job["updated"], job["unchanged"]) == (good, 0, 0)
    assert len(errors) == 1 + bad  # the header and each rejected row once
    stored = await _stored(survey_db_url, job["id"])
    assert {k: v for k, v in stored.items() if k != "upload_chunks"} == {
        "responses": good,
        "respondents": good,
        "errors": bad,
        "error_rows": bad,
    }
    # The uploaded file is removed right after the job is done.
    while (await _stored(survey_db_url, job["id"]))["upload_chunks"]:
        assert time.monotonic() < deadline, survivor.log()
        await asyncio.sleep(0.1)
