"""Survey service processes (uvicorn) for the import queue tests, and a large file to import."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hub.ports import free_port
from tests.conftest import AUTH
from tests.support.processes import wait_ready
from tests.survey.conftest import HEADER


@dataclass
class SurveyProcess:
    """One survey service instance in its own process, with its own scratch directory."""

    process: subprocess.Popen[bytes]
    base_url: str
    spool: Path
    log_path: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers=AUTH, timeout=30)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown runs, as when a machine or container dies."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def start_survey(
    database_url: str, workdir: Path, name: str, env: dict[str, str], *, timeout_s: float = 60
) -> SurveyProcess:
    port = free_port()
    spool = workdir / f"spool-{name}"
    log_path = workdir / f"survey-{name}.log"
    environment = {
        **os.environ,
        "SURVEY_DATABASE_URL": database_url,
        "SURVEY_IMPORT_SPOOL_DIR": str(spool),
        "HUB_LOG_LEVEL": "INFO",
        **env,
    }
    argv = [sys.executable, "-m", "uvicorn", "--factory", "services.survey.app:create_app"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, env=environment, stdout=log, stderr=subprocess.STDOUT)
    survey = SurveyProcess(process, f"http://127.0.0.1:{port}", spool, log_path)
    if wait_ready(
        process,
        survey.base_url,
        log_path,
        f"survey service {name}",
        timeout_s=timeout_s,
        poll_s=0.1,
    ):
        return survey
    survey.stop()
    raise RuntimeError(f"survey service {name} not ready in {timeout_s}s:\n{survey.log()}")


@pytest.fixture
def survey_processes() -> Iterator[list[SurveyProcess]]:
    """Every process a test starts (append them), stopped at the end whatever happened."""
    started: list[SurveyProcess] = []
    yield started
    for survey in started:
        survey.stop()


def large_file(rows: int, *, bad_every: int) -> tuple[bytes, int]:
    """A CSV of `rows` respondents of one wave, every `bad_every`-th with an answer code the
    question does not have (rejected, with one error each); returns (file, bad rows)."""
    assert HEADER[:8] == [
        *("respondent_id", "wave", "area", "age_band", "sex", "ethnicity", "weight"),
        "informed",
    ]
    lines = [",".join(HEADER)]
    areas = ("BRS-EAST", "BRS-WEST", "SOM-NORTH")
    answers = ("very_well", "fairly_well", "not_very_well", "not_at_all")
    bad = 0
    for i in range(rows):
        informed = answers[i % 4]
        if i % bad_every == bad_every - 1:
            informed, bad = "sideways", bad + 1
        lines.append(
            f"K{i:07d},2022-Q3,{areas[i % 3]},16-34,{'female' if i % 2 else 'male'},,"
            f"{1 + (i % 5) / 10},{informed},yes,no,tend_to_agree,"
        )
    return ("\r\n".join(lines) + "\r\n").encode(), bad
