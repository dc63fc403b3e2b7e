"""police-api-client (the community's Python client of data.police.uk, unchanged) reads the
Hub through the gateway: pointed at the Hub with the client's own `base_url` option."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import httpx
from police_api import PoliceAPI

from services.activity.police_uk.schemas import FORCE_EXAMPLE, SENIOR_OFFICERS_EXAMPLE
from tests.activity.police_uk.factories import (
    area_code_of,
    import_neighbourhood,
    planned_event,
    unique_id,
)
from tests.conftest import AUTH
from tests.support.factories import seed_areas
from tests.support.processes import Suite

T = TypeVar("T")


async def _blocking(call: Callable[[], T]) -> T:
    # The client is synchronous (requests): off the event loop, like any blocking call.
    return await asyncio.to_thread(call)


async def test_police_api_client_reads_every_endpoint(police_suite: Suite) -> None:
    force_id = f"client-force-{unique_id('F').lower()}"
    nid, other = unique_id("CL"), unique_id("CL")
    async with httpx.AsyncClient(base_url=police_suite.base_url, headers=AUTH, timeout=10) as hub:
        await seed_areas(hub)
        force_body = {**FORCE_EXAMPLE, "id": force_id}
        assert (await hub.put(f"/api/v1/police-uk/forces/{force_id}", json=force_body)).is_success
        people = await hub.put(
            f"/api/v1/police-uk/forces/{force_id}/people", json=SENIOR_OFFICERS_EXAMPLE
        )
        assert people.is_success, people.text
        sent = await import_neighbourhood(hub, nid, force=force_id, centre=(51.30, -2.40))
        await import_neighbourhood(
            hub, other, force=force_id, centre=(51.30, -2.30), name="A first"
        )
        area = await area_code_of(hub, nid, force=force_id)
        event = await planned_event(hub, area, title="Beat surgery for the client")

    api = PoliceAPI(base_url=f"{police_suite.base_url}/api/v1/police-uk/", timeout=10)

    forces = await _blocking(api.get_forces)
    assert force_id in {f.id for f in forces}
    force = api.get_force(force_id)
    assert await _blocking(lambda: force.name) == "Example Constabulary"
    assert force.telephone == "101"
    assert force.url == "https://example.police.uk"
    assert [m["type"] for m in force.engagement_methods] == ["facebook", "twitter"]
    (chief,) = await _blocking(lambda: force.senior_officers)
    assert (chief.name, chief.rank) == ("Chief Constable", "Chief Constable")

    neighbourhoods = await _blocking(lambda: force.neighbourhoods)
    assert [n.id for n in neighbourhoods] == [other, nid]  # the client sorts by name
    neighbourhood = force.get_neighbourhood(nid)
    record = sent["record"]
    assert await _blocking(lambda: neighbourhood.name) == record["name"]
    assert neighbourhood.description == record["description"]
    assert neighbourhood.contact_details == record["contact_details"]
    assert neighbourhood.links == record["links"]
    assert neighbourhood.locations == record["locations"]
    assert neighbourhood.url_force == record["url_force"]
    assert neighbourhood.population == 12000
    assert float(neighbourhood.centre["latitude"]) == 51.30

    officers = await _blocking(lambda: neighbourhood.officers)
    assert [(o.name, o.rank) for o in officers] == [(p["name"], p["rank"]) for p in sent["people"]]
    priorities = await _blocking(lambda: neighbourhood.priorities)
    assert sorted(p.issue for p in priorities) == sorted(p["issue"] for p in sent["priorities"])
    assert all(isinstance(p.issue_date, datetime) for p in priorities)
    events = await _blocking(lambda: neighbourhood.events)
    assert [e.title for e in events] == ["Beat surgery for the client"]
    assert events[0].start_date == datetime.fromisoformat(_local_text(event["starts_at"]))
    boundary = await _blocking(lambda: neighbourhood.boundary)
    assert boundary == [(float(p["latitude"]), float(p["longitude"])) for p in sent["boundary"]]

    located = await _blocking(lambda: api.locate_neighbourhood(51.301, -2.401))
    assert located is not None
    assert (located.force.id, located.id) == (force_id, nid)
    # A point in no neighbourhood: data.police.uk answers 404, which the client reads as None.
    assert await _blocking(lambda: api.locate_neighbourhood(10.0, 10.0)) is None


def _local_text(instant: str) -> str:
    from services.activity.police_uk.service import local_text

    text = local_text(datetime.fromisoformat(instant))
    assert text is not None
    return text


async def test_gateway_serves_public_reads_without_a_key_and_nothing_else(
    police_suite: Suite,
) -> None:
    async with httpx.AsyncClient(base_url=police_suite.base_url, timeout=10) as anonymous:
        forces = await anonymous.get("/api/v1/police-uk/forces")
        assert forces.status_code == 200, forces.text
        assert forces.headers["access-control-allow-origin"] == "*"
        again = await anonymous.get(
            "/api/v1/police-uk/forces", headers={"If-None-Match": forces.headers["etag"]}
        )
        assert again.status_code == 304
        preflight = await anonymous.options(
            "/api/v1/police-uk/forces",
            headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
        )
        assert preflight.status_code == 204
        refused: list[Any] = [
            await anonymous.get("/api/v1/areas"),
            await anonymous.post("/api/v1/police-uk/x/neighbourhoods?district=BRS", json=[]),
            await anonymous.put("/api/v1/police-uk/forces/x", json={"name": "x"}),
            await anonymous.get("/api/v1/police-uk/forces", headers={"X-API-Key": "wrong"}),
        ]
        assert [r.status_code for r in refused] == [401, 401, 401, 401]
