"""Factories for request bodies: valid by default, each call unique where it matters."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

_counter = itertools.count(1)

# A small force: districts and neighbourhoods every activity test can log against.
FORCE = "TESTFORCE"
DISTRICTS = ("BRS", "NSM", "BS")
NEIGHBOURHOODS = {
    "BRS-01": "BRS",
    "BRS-02": "BRS",
    "NSM-01": "NSM",
    "NSM-02": "NSM",
    "BS-EAST-03": "BS",
}


def area_payloads() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"code": FORCE, "name": "Test force", "kind": "force"}]
    out += [
        {"code": d, "name": f"District {d}", "kind": "district", "parent": FORCE} for d in DISTRICTS
    ]
    out += [
        {"code": code, "name": f"Neighbourhood {code}", "kind": "neighbourhood", "parent": parent}
        for code, parent in NEIGHBOURHOODS.items()
    ]
    return out


async def seed_areas(client: httpx.AsyncClient) -> None:
    for body in area_payloads():
        response = await client.post("/api/v1/areas", json=body)
        assert response.status_code == 201, response.text


def activity_payload(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    starts = datetime(2022, 9, 1, 9, tzinfo=UTC) + timedelta(hours=n)
    body: dict[str, Any] = {
        "title": f"PACT meeting {n}",
        "status": "completed",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "directorate": "neighbourhood_partnerships",
        "activity_type": "pact_meeting",
        "channel": "face_to_face",
        "classification": "engagement",
        "purpose": "consult",
        "topics": ["asb"],
        "area": "BRS-01",
        "audience": {"attendees": 12, "young_people": 1},
        "source": "mobile",
    }
    body.update(overrides)
    return body


def batch_item(**overrides: Any) -> dict[str, Any]:
    """An activity with a client id, as a phone sends it in a batch."""
    return activity_payload(id=str(uuid.uuid4()), **overrides)


def survey_responses(
    wave: str, area: str, answers: dict[str, list[tuple[str, int]]], prefix: str = "r"
) -> list[dict[str, Any]]:
    """Responses of one wave and area: per question, (answer, how many) in order; response i
    gets the i-th answer of each question's list (so the counts per question are exact)."""
    total = max(sum(n for _, n in column) for column in answers.values())
    rows: list[dict[str, Any]] = []
    for i in range(total):
        given: dict[str, Any] = {}
        for question, column in answers.items():
            flat = [code for code, n in column for _ in range(n)]
            if i < len(flat):
                given[question] = flat[i]
        rows.append(
            {
                "respondent_id": f"{prefix}-{wave}-{area}-{i}",
                "wave": wave,
                "area": area,
                "age_band": "35-44",
                "sex": "female" if i % 2 else "male",
                "answers": given,
            }
        )
    return rows


def measurement_payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"kpi": "beat_page_views", "period": "2022-09", "value": 1200}
    body.update(overrides)
    return body
