"""Helpers and fixtures of the survey tests: files to import, jobs to wait for, scoped keys."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

# Uploaded files wait in a private directory, never in the repository's var/.
os.environ.setdefault("SURVEY_IMPORT_SPOOL_DIR", tempfile.mkdtemp(prefix="survey-imports-"))


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


async def wait_for_job(client: httpx.AsyncClient, location: str, limit_s: float = 60) -> Any:
    deadline = asyncio.get_running_loop().time() + limit_s
    while True:
        job = (await client.get(location)).json()
        if job["state"] in ("done", "failed"):
            return job
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"import still {job['state']} after {limit_s}s: {job}")
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


# --- generated data and independent reference computations -----------------------------------

INFORMED = ["very_well", "fairly_well", "not_very_well", "not_at_all", "dont_know"]
BASE_ANSWERS = INFORMED[:4]
AREAS = ["BRS-EAST", "BRS-WEST", "SOM-NORTH"]
AGES = ["16-34", "35-64", "65+"]
SEXES = ["female", "male"]


def generate(
    seed: int,
    waves: dict[str, int],
    *,
    weighted: bool = True,
    shift: float = 0.0,
    prefix: str = "R",
) -> list[dict[str, Any]]:
    """Respondents per wave with answers drifting from fairly_well to not_very_well."""
    import random

    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for k, (wave, n) in enumerate(sorted(waves.items())):
        fairly = max(0.05, 0.45 - 0.02 * k + shift)
        probs = [0.06, fairly, 0.80 - fairly - 0.12, 0.10, 0.04]
        for i in range(n):
            out.append(
                {
                    "respondent_id": f"{prefix}{wave}-{i:05d}",
                    "wave": wave,
                    "area": rng.choice(AREAS),
                    "age_band": rng.choices(AGES, weights=[1, 2, 3])[0],
                    "sex": rng.choice(SEXES),
                    "ethnicity": rng.choice(["white_british", "asian", "black", ""]),
                    "weight": round(rng.uniform(0.3, 3.0), 4) if weighted else 1,
                    "informed": rng.choices(INFORMED, weights=probs)[0],
                    "have_say": rng.choices(["yes", "no", "dont_know", ""], weights=[4, 5, 1, 1])[
                        0
                    ],
                    "seen_officer": rng.choice(["yes", "no"]),
                    "confidence": rng.choice(["strongly_agree", "tend_to_agree", "neither"]),
                    "comments": rng.choice(["", "", "", "More patrols please", "Good PCSO"]),
                }
            )
    return out


def exact(wave: str, counts: dict[str, int], prefix: str = "X") -> list[dict[str, Any]]:
    """Unweighted respondents with exactly `counts` answers to `informed` in `wave`."""
    out: list[dict[str, Any]] = []
    for answer, count in counts.items():
        for i in range(count):
            out.append(
                {
                    "respondent_id": f"{prefix}{wave}-{answer}-{i}",
                    "wave": wave,
                    "area": AREAS[i % len(AREAS)],
                    "age_band": AGES[i % len(AGES)],
                    "sex": SEXES[i % 2],
                    "ethnicity": "",
                    "weight": 1,
                    "informed": answer,
                    "have_say": "yes",
                    "seen_officer": "no",
                    "confidence": "",
                    "comments": "",
                }
            )
    return out


def to_csv(records: Sequence[dict[str, Any]], *, bom: bool = False) -> bytes:
    return csv_bytes([[r[h] for h in HEADER] for r in records], bom=bom)


@dataclass
class Reference:
    n: int
    sw: float
    sw2: float
    answers: dict[str, tuple[int, float]]

    @property
    def neff(self) -> float:
        return self.sw**2 / self.sw2 if self.sw2 else 0.0

    def share(self, answer: str) -> float:
        return self.answers.get(answer, (0, 0.0))[1] / self.sw


def reference(
    records: Sequence[dict[str, Any]],
    *,
    question: str = "informed",
    excluded: Sequence[str] = ("dont_know",),
    weight: Any = None,
) -> Reference:
    """Base, sums and per-answer sums computed directly from the generated records."""
    n = 0
    sw = sw2 = 0.0
    answers: dict[str, tuple[int, float]] = {}
    for r in records:
        answer = r[question]
        if not answer or answer in excluded:
            continue
        w = float(r["weight"]) if weight is None else float(weight(r))
        n += 1
        sw += w
        sw2 += w * w
        count, total = answers.get(answer, (0, 0.0))
        answers[answer] = (count + 1, total + w)
    return Reference(n, sw, sw2, answers)


def numpy_rake(labels: list[Any], targets: list[dict[str, float]], cap: float = 5.0) -> Any:
    """Independent raking on units (one entry per respondent), with trimming at `cap`x mean.

    `labels[d]` holds each unit's category on dimension d; units outside a margin are left
    alone on that dimension. Written with numpy, apart from the service's cell-based code.
    """
    import numpy as np

    labels = [np.asarray(lab, dtype=object) for lab in labels]
    w = np.ones(len(labels[0]))
    for _ in range(1000):
        before = w.copy()
        for lab, target in zip(labels, targets, strict=True):
            inside = np.isin(lab, list(target))
            present = [k for k in target if (lab == k).any()]
            total = sum(target[k] for k in present)
            covered = w[inside].sum()
            for key in present:
                mask = lab == key
                w[mask] *= target[key] / total * covered / w[mask].sum()
        capped = np.zeros(len(w), dtype=bool)
        while True:
            scale = (len(w) - cap * capped.sum()) / w[~capped].sum()
            over = (~capped) & (w * scale > cap)
            if not over.any():
                break
            capped |= over
        w = np.where(capped, cap, w * scale)
        if np.abs(w - before).max() < 1e-11:
            break
    return w


# Population margins used by the raking tests (age band x sex, area).
MARGINS: dict[str, Any] = {
    "age_band_sex": [
        {"age_band": "16-34", "sex": "female", "population": 160},
        {"age_band": "16-34", "sex": "male", "population": 165},
        {"age_band": "35-64", "sex": "female", "population": 250},
        {"age_band": "35-64", "sex": "male", "population": 245},
        {"age_band": "65+", "sex": "female", "population": 100},
        {"age_band": "65+", "sex": "male", "population": 80},
    ],
    "area": [
        {"area": "BRS-EAST", "population": 500},
        {"area": "BRS-WEST", "population": 300},
        {"area": "SOM-NORTH", "population": 200},
    ],
}
AGE_SEX = {f"{c['age_band']}|{c['sex']}": c["population"] for c in MARGINS["age_band_sex"]}
AREA = {a["area"]: a["population"] for a in MARGINS["area"]}


def raked(records: Sequence[dict[str, Any]]) -> Any:
    """Independent raking weights of one wave's respondents to MARGINS."""
    return numpy_rake(
        [[f"{r['age_band']}|{r['sex']}" for r in records], [r["area"] for r in records]],
        [AGE_SEX, AREA],
    )


def raked_weights(records: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Respondent id -> raking weight, each wave raked on its own (as the service does)."""
    out: dict[str, float] = {}
    for wave in sorted({r["wave"] for r in records}):
        members = [r for r in records if r["wave"] == wave]
        for r, w in zip(members, raked(members), strict=True):
            out[r["respondent_id"]] = float(w)
    return out


def response_item(respondent_id: str, **overrides: Any) -> dict[str, Any]:
    """One JSON survey response, valid by default."""
    body: dict[str, Any] = {
        "respondent_id": respondent_id,
        "wave": "2022-Q3",
        "area": "BRS-EAST",
        "age_band": "35-64",
        "sex": "female",
        "answers": {"informed": "Fairly well informed", "have_say": "NO"},
    }
    body.update(overrides)
    return body
