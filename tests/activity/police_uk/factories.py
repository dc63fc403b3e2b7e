"""Bodies in data.police.uk's shapes, as that API answers them (strings for coordinates and
population, midnight times for dates)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.support.factories import activity_payload

FORCE = "avon-and-somerset"
BASE = f"/api/v1/police-uk/{FORCE}"
_ids = itertools.count(1)


def unique_id(prefix: str = "BC") -> str:
    return f"{prefix}{next(_ids):03d}"


def neighbourhood(neighbourhood_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": neighbourhood_id,
        "name": f"Neighbourhood {neighbourhood_id}",
        "description": "<p>Inner-city neighbourhood.</p>",
        "url_force": f"https://example.police.uk/{neighbourhood_id.lower()}",
        "contact_details": {"email": "team@example.police.uk", "telephone": "101"},
        "links": [{"url": "https://example.org/council", "title": "Council", "description": None}],
        "centre": {"latitude": "51.4633", "longitude": "-2.5621"},
        "locations": [
            {
                "name": "Central police station",
                "type": "station",
                "address": "1 High Street",
                "postcode": "BS1 1AA",
                "latitude": "51.4601",
                "longitude": "-2.5912",
                "description": None,
            }
        ],
        "population": "12000",
    }
    body.update(overrides)
    return body


def team(photos: bool = True) -> list[dict[str, Any]]:
    return [
        {
            "name": f"Team member {n}",
            "rank": rank,
            "bio": "<p>Works the beat.</p>" if n == 1 else None,
            "contact_details": {"email": f"member{n}@example.police.uk"} if n == 1 else {},
            **({"photo_url": f"https://example.police.uk/photos/{n}.jpg"} if photos else {}),
        }
        for n, rank in ((1, "Sergeant"), (2, "PCSO"))
    ]


def priorities(today: date | None = None) -> list[dict[str, Any]]:
    today = today or date.today()
    return [
        {
            "issue": "<p>Anti-social behaviour in the park</p>",
            "issue-date": f"{(today - timedelta(days=40)).isoformat()}T00:00:00",
            "action": "<p>Extra patrols.</p>",
            "action-date": f"{(today - timedelta(days=10)).isoformat()}T00:00:00",
        },
        {
            "issue": "<p>Speeding on the main road</p>",
            "issue-date": f"{(today - timedelta(days=20)).isoformat()}T00:00:00",
            "action": None,
            "action-date": None,
        },
    ]


def square(latitude: float, longitude: float, half: float = 0.01) -> list[dict[str, str]]:
    """An open ring of four points around (latitude, longitude), as `/boundary` gives."""
    return [
        {"latitude": repr(round(latitude + dy, 6)), "longitude": repr(round(longitude + dx, 6))}
        for dy, dx in ((-half, -half), (half, -half), (half, half), (-half, half))
    ]


async def import_neighbourhood(
    client: httpx.AsyncClient,
    neighbourhood_id: str,
    *,
    force: str = FORCE,
    district: str = "BRS",
    photos: bool = True,
    centre: tuple[float, float] = (51.4633, -2.5621),
    **overrides: Any,
) -> dict[str, Any]:
    """A whole beat profile: record, team, priorities and boundary. Returns what was sent."""
    base = f"/api/v1/police-uk/{force}"
    record = neighbourhood(
        neighbourhood_id,
        centre={"latitude": repr(centre[0]), "longitude": repr(centre[1])},
        **overrides,
    )
    sent = {
        "record": record,
        "people": team(photos),
        "priorities": priorities(),
        "boundary": square(*centre),
    }
    response = await client.post(
        f"{base}/neighbourhoods", params={"district": district}, json=[record]
    )
    assert response.status_code == 200, response.text
    for part in ("people", "priorities"):
        response = await client.post(f"{base}/{neighbourhood_id}/{part}", json=sent[part])
        assert response.status_code == 200, response.text
    response = await client.put(f"{base}/{neighbourhood_id}/boundary", json=sent["boundary"])
    assert response.status_code == 200, response.text
    return sent


async def area_code_of(client: httpx.AsyncClient, neighbourhood_id: str, force: str = FORCE) -> str:
    areas = (
        await client.get("/api/v1/areas", params={"kind": "neighbourhood", "limit": 500})
    ).json()
    return next(
        a["code"]
        for a in areas["items"]
        if a["police_uk_id"] == neighbourhood_id and a["police_uk_force"] == force
    )


async def planned_event(
    client: httpx.AsyncClient,
    area: str,
    *,
    publish: str | None = "Come and meet the team.",
    days_ahead: float = 3,
    **overrides: Any,
) -> dict[str, Any]:
    """A planned beat surgery `days_ahead` from now, published unless `publish` is None."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days_ahead)
    fields: dict[str, Any] = {
        "area": area,
        "status": "planned",
        "title": f"Beat surgery {next(_ids)}",
        "activity_type": "beat_surgery",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "location": {"venue": "Central library"},
    }
    body = activity_payload(**{**fields, **overrides})
    body.pop("audience", None)
    created = await client.post("/api/v1/activities", json=body)
    assert created.status_code == 201, created.text
    activity: dict[str, Any] = created.json()
    if publish is not None:
        response = await client.put(
            f"/api/v1/police-uk/published-events/{activity['id']}", json={"description": publish}
        )
        assert response.status_code == 200, response.text
    return activity
