"""Helpers and fixtures of the survey tests: files to import, jobs to wait for, scoped keys."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import os
import tempfile
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest

# Uploaded files wait in a private directory, never in the repository's var/.
os.environ.setdefault("SURVEY_IMPORT_SPOOL_DIR", tempfile.mkdtemp(prefix="survey-imports-"))

READ_ONLY_KEY = "survey-reader-" + "r" * 20
NO_SURVEY_KEY = "activity-only-" + "a" * 20
os.environ["HUB_API_KEYS"] = ",".join(
    [
        f"reader:{hashlib.sha256(READ_ONLY_KEY.encode()).hexdigest()}:survey:read",
        f"activity:{hashlib.sha256(NO_SURVEY_KEY.encode()).hexdigest()}:activity:read",
    ]
)

HEADER = [
    "respondent_id",
    "wave",
    "area",
    "age_band",
    "sex",
    "ethnicity",
    "weight",
    "informed",
    "have_say",
    "seen_officer",
    "confidence",
    "comments",
]


def csv_bytes(
    rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER, *, bom: bool = False
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    data = buffer.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def wait_for_job(client: httpx.AsyncClient, location: str, timeout: float = 60) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        job = (await client.get(location)).json()
        if job["state"] in ("done", "failed"):
            return job
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"import still {job['state']} after {timeout}s: {job}")
        await asyncio.sleep(0.02)


async def import_file(
    client: httpx.AsyncClient,
    content: bytes,
    *,
    filename: str = "responses.csv",
    survey: str = "opcc",
    content_type: str = "text/csv",
) -> Any:
    response = await client.post(
        f"/api/v1/surveys/{survey}/imports", files={"file": (filename, content, content_type)}
    )
    assert response.status_code == 202, response.text
    job = await wait_for_job(client, response.headers["location"])
    assert job["state"] == "done", job
    return job


@pytest.fixture
async def survey_app_factory(
    survey_db_url: str,
) -> AsyncIterator[Any]:
    """Build a survey client with other settings (e.g. a small upload limit)."""
    from services.survey.app import create_app
    from services.survey.config import SurveySettings
    from tests.conftest import AUTH

    stack: list[Any] = []

    async def make(**overrides: Any) -> httpx.AsyncClient:
        app = create_app(SurveySettings(database_url=survey_db_url, **overrides))
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://survey", headers=AUTH
        )
        stack.append((lifespan, client))
        return client

    yield make
    for lifespan, client in reversed(stack):
        await client.aclose()
        await lifespan.__aexit__(None, None, None)
