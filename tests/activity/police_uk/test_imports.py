"""Imports in data.police.uk's shapes: neighbourhoods, teams, priorities, forces, boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.activity.police_uk import IMPORT_EXAMPLE
from tests.conftest import assert_problem
from tests.support.factories import activity_payload
from tests.support.queries import counting_selects

FORCE = "avon-and-somerset"
BASE = f"/api/v1/police-uk/{FORCE}"


async def _import(client: httpx.AsyncClient, body: Any, district: str = "BRS") -> httpx.Response:
    return await client.post(f"{BASE}/neighbourhoods", params={"district": district}, json=body)


async def test_import_neighbourhoods_then_update_them(activity_client: httpx.AsyncClient) -> None:
    summary = [{"id": "BC193", "name": "Easton"}, {"id": "BC/194 x", "name": "Lawrence Hill"}]
    first = await _import(activity_client, summary)
    assert first.status_code == 200, first.text
    assert first.json() == {"created": ["BRS-BC193", "BRS-BC-194-X"], "updated": []}
    detail = [
        {
            "id": "BC193",
            "name": "Easton and Lawrence Hill",
            "description": "<p>East Bristol.</p>",
            "contact_details": {"email": "easton@example.police.uk", "twitter": "x"},
            "centre": {"latitude": "51.4633", "longitude": "-2.5621"},
            "population": "12000",
            "url_force": "https://example.police.uk",
            "links": [{"url": "https://example.org", "title": "Council"}],
            "locations": [],
        }
    ]
    again = await _import(activity_client, detail)
    assert again.json() == {"created": [], "updated": ["BRS-BC193"]}
    area = (await activity_client.get("/api/v1/areas/BRS-BC193")).json()
    assert area["name"] == "Easton and Lawrence Hill"
    assert area["district"] == "BRS"
    assert area["centre"] == {"latitude": 51.4633, "longitude": -2.5621}
    assert area["population"] == 12000
    assert area["police_uk_id"] == "BC193"
    assert area["completeness"]["contact_details"] is True
    # Activities can be logged against imported neighbourhoods straight away.
    logged = await activity_client.post(
        "/api/v1/activities", json=activity_payload(area="BRS-BC193")
    )
    assert logged.json()["district"] == "BRS"


async def test_import_reads_existing_areas_in_a_fixed_number_of_queries(
    activity_client: httpx.AsyncClient,
) -> None:
    async def imported(ids: list[str]) -> tuple[dict[str, list[str]], int]:
        with counting_selects(activity_client) as selects:
            response = await _import(activity_client, [{"id": i, "name": f"N {i}"} for i in ids])
        assert response.status_code == 200, response.text
        return response.json(), len(selects)

    _, two = await imported(["E1", "E2"])
    mixed, nine = await imported(["E1", "E2", *(f"F{n}" for n in range(7))])
    assert nine == two
    assert mixed == {"created": [f"BRS-F{n}" for n in range(7)], "updated": ["BRS-E1", "BRS-E2"]}
    # The same id twice in one import: created once, then updated.
    twice, _ = await imported(["G1", "G1"])
    assert twice == {"created": ["BRS-G1"], "updated": ["BRS-G1"]}
    # A new id whose code is taken by an area not linked to data.police.uk is refused whole.
    plain = {"code": "BRS-H1", "name": "Plain", "kind": "neighbourhood", "parent": "BRS"}
    assert (await activity_client.post("/api/v1/areas", json=plain)).status_code == 201
    clash = await _import(activity_client, [{"id": "H2", "name": "H2"}, {"id": "H1", "name": "H1"}])
    assert_problem(clash, 422, "body")
    assert_problem(await activity_client.get("/api/v1/areas/BRS-H2"), 404)


async def test_import_people_and_priorities_in_both_date_spellings(
    activity_client: httpx.AsyncClient,
) -> None:
    await _import(activity_client, [{"id": "BC193", "name": "Easton"}])
    people = [
        {
            "name": "Team sergeant",
            "rank": "Sergeant",
            "bio": "<p>Leads the team.</p>",
            "contact_details": {"email": "team@example.police.uk"},
        }
    ]
    response = await activity_client.post(f"{BASE}/BC193/people", json=people)
    assert response.status_code == 200, response.text
    assert response.json()["people"][0]["rank"] == "Sergeant"
    priorities = [
        {
            "issue": "<p>ASB in the park</p>",
            "issue-date": "2022-07-01T00:00:00",
            "action": "<p>Patrols</p>",
            "action-date": "2022-08-15T00:00:00",
        },
        {"issue": "Speeding", "issue_date": "2022-06-01", "action": None, "action_date": None},
    ]
    response = await activity_client.post(f"{BASE}/BC193/priorities", json=priorities)
    assert response.status_code == 200, response.text
    stored = response.json()["priorities"]
    assert stored == [
        {
            "issue": "<p>ASB in the park</p>",
            "issue_date": "2022-07-01",
            "action": "<p>Patrols</p>",
            "action_date": "2022-08-15",
        },
        {"issue": "Speeding", "issue_date": "2022-06-01", "action": None, "action_date": None},
    ]
    # Raised and acted on in 2022: not updated in the last three months.
    assert response.json()["completeness"]["priorities"] is False
    assert "priorities" in response.json()["completeness"]["missing"]


async def test_import_refuses_bad_input(activity_client: httpx.AsyncClient) -> None:
    assert_problem(await _import(activity_client, {"id": "x"}), 422, "body")
    assert_problem(await _import(activity_client, [{"name": "no id"}]), 422, "body.0.id")
    assert_problem(
        await _import(activity_client, [{"id": "A", "name": "A"}], district="NOPE"),
        422,
        "query.district",
    )
    assert_problem(
        await _import(
            activity_client, [{"id": "A", "name": "A", "centre": {"latitude": 95, "longitude": 0}}]
        ),
        422,
        "body.0.centre.latitude",
    )
    bad_date = [{"issue": "x", "issue-date": "yesterday"}]
    await _import(activity_client, [{"id": "BC193", "name": "Easton"}])
    assert_problem(
        await activity_client.post(f"{BASE}/BC193/priorities", json=bad_date),
        422,
        "body.0.issue-date",
    )
    assert_problem(await activity_client.post(f"{BASE}/UNKNOWN/people", json=[]), 404)
    assert (await activity_client.get("/api/v1/areas/BRS-A")).status_code == 404


async def test_import_examples_are_accepted_as_written(activity_client: httpx.AsyncClient) -> None:
    from services.activity.app import create_app

    schema = create_app().openapi()["paths"]
    response = await _import(activity_client, IMPORT_EXAMPLE)
    assert response.status_code == 200, response.text
    for suffix in ("people", "priorities"):
        path = schema["/api/v1/police-uk/{force}/{neighbourhood}/" + suffix]
        example = path["post"]["requestBody"]["content"]["application/json"]["example"]
        result = await activity_client.post(f"{BASE}/BC193/{suffix}", json=example)
        assert result.status_code == 200, result.text
    for method, template in (
        ("put", "/api/v1/police-uk/{force}/{neighbourhood}/boundary"),
        ("put", "/api/v1/police-uk/forces/{force}"),
        ("put", "/api/v1/police-uk/forces/{force}/people"),
    ):
        example = schema[template][method]["requestBody"]["content"]["application/json"]["example"]
        path = template.replace("{force}", FORCE).replace("{neighbourhood}", "BC193")
        result = await activity_client.request(method.upper(), path, json=example)
        assert result.status_code in (200, 201), (path, result.text)
    publication = schema["/api/v1/police-uk/published-events/{activity_id}"]["put"]
    body_ref = publication["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    components = create_app().openapi()["components"]["schemas"]
    (example,) = components[body_ref.rsplit("/", 1)[1]]["examples"]
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    planned = activity_payload(
        area="BRS-BC193", status="planned", activity_type="beat_surgery", starts_at=soon
    )
    planned.pop("audience")
    planned.pop("ends_at")
    created = await activity_client.post("/api/v1/activities", json=planned)
    assert created.status_code == 201, created.text
    published = await activity_client.put(
        f"/api/v1/police-uk/published-events/{created.json()['id']}", json=example
    )
    assert published.status_code == 200, published.text
    events = (await activity_client.get(f"{BASE}/BC193/events")).json()
    assert [e["description"] for e in events] == [example["description"]]


async def test_a_summary_import_keeps_the_details(activity_client: httpx.AsyncClient) -> None:
    await _import(activity_client, IMPORT_EXAMPLE)
    await _import(activity_client, [{"id": "BC193", "name": "Easton"}])
    record = (await activity_client.get(f"{BASE}/BC193")).json()
    assert record["name"] == "Easton"
    assert record["url_force"] == IMPORT_EXAMPLE[0]["url_force"]
    assert record["description"] == IMPORT_EXAMPLE[0]["description"]
    assert record["contact_details"] == IMPORT_EXAMPLE[0]["contact_details"]
    # A field sent empty is emptied, as data.police.uk would show it.
    await _import(
        activity_client, [{"id": "BC193", "name": "Easton", "url_force": "", "links": []}]
    )
    record = (await activity_client.get(f"{BASE}/BC193")).json()
    assert (record["url_force"], record["links"]) == (None, [])


async def test_bad_force_and_people_imports(activity_client: httpx.AsyncClient) -> None:
    path = "/api/v1/police-uk/forces/avon-and-somerset"
    assert_problem(await activity_client.put(path, json={"name": ""}), 422, "body.name")
    assert_problem(await activity_client.put(path, json=[]), 422)
    methods = {"name": "F", "engagement_methods": [{"title": "no type"}]}
    assert_problem(
        await activity_client.put(path, json=methods), 422, "body.engagement_methods.0.type"
    )
    assert_problem(await activity_client.put(f"{path}/people", json=[]), 404)
    assert_problem(await activity_client.get(path), 404)
    await _import(activity_client, IMPORT_EXAMPLE)
    bad_photo = [{"name": "A", "photo_url": "ftp://x"}]
    assert_problem(
        await activity_client.post(f"{BASE}/BC193/people", json=bad_photo), 422, "body.0.photo_url"
    )
    bad_place = [{**IMPORT_EXAMPLE[0], "locations": [{"latitude": "north"}]}]
    assert_problem(await _import(activity_client, bad_place), 422, "body.0.locations.0.latitude")
