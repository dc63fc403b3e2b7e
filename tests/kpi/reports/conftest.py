"""The report's world: activity and survey services in-process with data made here, and a KPI
service whose source clients talk to them (ASGI transport, the real endpoints)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.auth import KeyStore, Principal, StaticKeyStore, hash_secret
from tests.conftest import client_for
from tests.support.factories import FORCE, activity_payload

# Five neighbourhoods in two districts, each with its residents.
NEIGHBOURHOODS = {
    "NA-01": ("DA", 10_000),
    "NA-02": ("DA", 20_000),
    "NB-01": ("DB", 8_000),
    "NB-02": ("DB", 12_000),
    "NB-03": ("DB", 5_000),
}
# Two-way engagements logged per neighbourhood in 2022-Q3 (NB-03 has none).
ENGAGEMENTS = {"NA-01": 6, "NA-02": 4, "NB-01": 5, "NB-02": 1, "NB-03": 0}
WAVES = ["2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4", "2022-Q1", "2022-Q2", "2022-Q3"]
PER_WAVE = 500
# have_say 'yes' per wave (of 500): a significant rise to a record high in 2022-Q3.
HAVE_SAY_YES = [150, 155, 145, 160, 150, 150, 225]
# informed per wave: fairly_well falls 4.8 points (40.0% -> 35.2%) in 2022-Q3, not significant.
FAIRLY_WELL = [200, 200, 205, 200, 195, 200, 176]
VERY_WELL = 50
NOT_AT_ALL = 50
CONFIDENCE_ANSWERED_LAST_WAVE = 40  # a suppressed base (< 50)

_ids = itertools.count(1)


def _informed(index: int, position: int) -> str:
    fairly = FAIRLY_WELL[index]
    if position < VERY_WELL:
        return "very_well"
    if position < VERY_WELL + fairly:
        return "fairly_well"
    if position < VERY_WELL + fairly + NOT_AT_ALL:
        return "not_at_all"
    return "not_very_well"


def survey_responses() -> list[dict[str, Any]]:
    areas = list(NEIGHBOURHOODS)
    out = []
    for index, wave in enumerate(WAVES):
        for position in range(PER_WAVE):
            answers: dict[str, str | None] = {
                "informed": _informed(index, position),
                "have_say": "yes" if position < HAVE_SAY_YES[index] else "no",
            }
            last = wave == WAVES[-1]
            if not last or position < CONFIDENCE_ANSWERED_LAST_WAVE:
                answers["confidence"] = "tend_to_agree" if position % 3 else "neither"
            # Spread over the areas; in the last wave NB-03 gets only 30 (a suppressed area).
            area = (
                areas[position % 5]
                if not (last and position % 5 == 4 and position >= 150)
                else "NB-02"
            )
            out.append(
                {
                    "respondent_id": f"R{next(_ids):06d}",
                    "wave": wave,
                    "area": area,
                    "age_band": "35-64" if position % 2 else "16-34",
                    "sex": "female" if position % 4 < 2 else "male",
                    "answers": answers,
                }
            )
    return out


def activities() -> list[dict[str, Any]]:
    start = datetime(2022, 7, 4, 9, tzinfo=UTC)
    out = []
    for area, count in ENGAGEMENTS.items():
        for n in range(count):
            out.append(
                activity_payload(
                    id=str(uuid.uuid4()),
                    area=area,
                    starts_at=(start + timedelta(days=7 * n, hours=n)).isoformat(),
                    ends_at=(start + timedelta(days=7 * n, hours=n + 1)).isoformat(),
                )
            )
    for n in range(3):  # one-way communication, corporate communications
        out.append(
            activity_payload(
                id=str(uuid.uuid4()),
                area="NB-03",
                classification="communication",
                directorate="corporate_communications",
                activity_type="social_media_live",
                channel="social_media",
                purpose="inform",
                starts_at=(start + timedelta(days=10 + n)).isoformat(),
                ends_at=(start + timedelta(days=10 + n, hours=1)).isoformat(),
            )
        )
    # Two planned activities of different directorates, same area, same week: an overlap,
    # and both past their date without being reconciled.
    for directorate in ("neighbourhood_partnerships", "fraud_cyber_protect"):
        out.append(
            activity_payload(
                id=str(uuid.uuid4()),
                status="planned",
                area="NA-01",
                directorate=directorate,
                activity_type="crime_prevention_talk",
                starts_at=datetime(2022, 9, 13, 10, tzinfo=UTC).isoformat(),
                ends_at=datetime(2022, 9, 13, 11, tzinfo=UTC).isoformat(),
            )
        )
    # "You said, we did": one done, one overdue.
    out[0]["actions"] = [
        {
            "issue": "Speeding on the high street",
            "action": "Speed checks",
            "due_on": "2022-08-01",
            "done_on": "2022-07-30",
        },
        {"issue": "Litter by the park", "action": "Ask the council", "due_on": "2022-08-15"},
    ]
    return out


@dataclass
class World:
    activity: httpx.AsyncClient
    survey: httpx.AsyncClient
    kpi: httpx.AsyncClient
    app: FastAPI

    def add_key(self, secret: str, *scopes: str) -> dict[str, str]:
        """A key the KPI service knows beside the ones it has; the headers to send it."""
        extra = StaticKeyStore({hash_secret(secret): Principal("scoped", frozenset(scopes))})
        self.app.state.key_store = _Keys(extra, self.app.state.key_store)
        return {"X-API-Key": secret}


@dataclass
class _Keys:
    first: KeyStore
    then: KeyStore

    def lookup(self, secret: str) -> Principal | None:
        return self.first.lookup(secret) or self.then.lookup(secret)


async def seed_activity(client: httpx.AsyncClient) -> None:
    bodies = [{"code": FORCE, "name": "Test force", "kind": "force"}]
    bodies += [
        {"code": d, "name": f"District {d}", "kind": "district", "parent": FORCE}
        for d in ("DA", "DB")
    ]
    bodies += [
        {
            "code": code,
            "name": f"Neighbourhood {code}",
            "kind": "neighbourhood",
            "parent": d,
            "population": people,
        }
        for code, (d, people) in NEIGHBOURHOODS.items()
    ]
    for body in bodies:
        response = await client.post("/api/v1/areas", json=body)
        assert response.status_code == 201, response.text
    response = await client.post("/api/v1/activities/batch", json={"items": activities()})
    assert response.status_code == 200, response.text
    assert response.json()["created"] == len(activities()), response.text


async def seed_survey(client: httpx.AsyncClient) -> None:
    rows = survey_responses()
    for start in range(0, len(rows), 500):
        response = await client.post(
            "/api/v1/surveys/opcc/responses", json={"responses": rows[start : start + 500]}
        )
        assert response.status_code == 200, response.text


@pytest.fixture
async def world(
    activity_client: httpx.AsyncClient, survey_client: httpx.AsyncClient, kpi_db_url: str
) -> AsyncIterator[World]:
    from services.kpi.app import create_app
    from services.kpi.config import KpiSettings

    await seed_activity(activity_client)
    await seed_survey(survey_client)
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
    async for kpi in client_for(app, "http://kpi"):
        yield World(activity_client, survey_client, kpi, app)
