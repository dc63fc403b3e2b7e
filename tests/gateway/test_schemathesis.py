"""Schemathesis against the merged OpenAPI document, through the gateway of real processes.

Every check it offers (`-c all`: server errors, status codes, content types, headers,
response schemas, negative-data rejection, positive-data acceptance, missing required headers,
unsupported methods and `Allow`, use after free, resource availability, ignored auth) in every
phase (documented examples, coverage, fuzzing, stateful), on a store holding the registries a
fresh `make run` has, so the examples (the survey CSV import among them) are sent as written.
What it is told to accept, and why, is in `schemathesis.toml` beside this file. The number of
examples per operation is bounded there so one run takes a few minutes.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.db import Database
from shared.migrations import upgrade
from tests.conftest import TEST_API_KEY
from tests.support.databases import DatabaseFactory
from tests.support.processes import Suite, start_suite

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
SEED = 2022  # reproducible: a failure seen in CI is seen again locally


@pytest.fixture(scope="module")
async def fuzzed_suite(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Suite]:
    """A suite of its own (what the fuzzer stores stays out of the other tests' way)."""
    from services.activity.demo import generate

    data_dir = tmp_path_factory.mktemp("fuzzed")
    if databases.admin_url is None:
        env = {
            f"{s.upper()}_DATABASE_URL": f"sqlite+aiosqlite:///{data_dir / s}.db"
            for s in ("activity", "survey", "kpi")
        }
    else:
        env = {
            f"{s.upper()}_DATABASE_URL": await databases.fresh(s)
            for s in ("activity", "survey", "kpi")
        }
    # The fuzzer sends thousands of requests without (or with wrong) credentials on purpose:
    # the per-address limit of failed authentications would answer 429 instead of 401.
    env["GATEWAY_AUTH_FAILURE_LIMIT"] = "1000000/minute"
    activity_url = env["ACTIVITY_DATABASE_URL"]
    await upgrade("activity", activity_url)
    db = Database(activity_url)
    assert await generate(db, activities=50)  # the demo registries (areas, plans, groups)
    await db.dispose()
    suite = await asyncio.to_thread(start_suite, data_dir, env)
    try:
        yield suite
    finally:
        await asyncio.to_thread(suite.stop)


def _run_schemathesis(base_url: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(CONFIG),
            "run",
            f"{base_url}/openapi.json",
            "--checks",
            "all",
            "--header",
            f"X-API-Key: {TEST_API_KEY}",
            "--seed",
            str(SEED),
            "--generation-database",
            "none",
            "--max-failures",
            "100",
        ],
        cwd=workdir,
        env={
            **os.environ,
            "SCHEMATHESIS_HOOKS": "tests.gateway.schemathesis_hooks",
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.mark.slow
async def test_schemathesis_finds_no_failure(fuzzed_suite: Suite, tmp_path: Path) -> None:
    done = await asyncio.to_thread(_run_schemathesis, fuzzed_suite.base_url, tmp_path)
    output = done.stdout + done.stderr
    summary = output[output.find("SUMMARY") :]
    tested = re.search(r"Tested: (\d+)", summary)
    cases = re.search(r"(\d+) generated, (\d+) passed", summary)
    print(summary)  # the figures (operations, cases, failures), shown with `pytest -s`
    assert done.returncode == 0, output[-20_000:]
    assert tested is not None, summary
    assert int(tested.group(1)) >= 50, summary  # every operation of the merged document
    assert cases is not None, summary
    assert cases.group(1) == cases.group(2), summary  # every case passed
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in summary, summary
    assert "ST" not in summary.split("Warnings")[0].split("Test Phases")[1], summary
    # No 5xx anywhere: neither a service nor the gateway answered one (their access logs).
    statuses = re.findall(r'"status": (\d{3})', fuzzed_suite.log())
    assert statuses, "the suite logs each request's status"
    assert not [s for s in statuses if s.startswith("5")]
