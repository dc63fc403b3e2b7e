"""The published reads: data.police.uk's exact shapes, and only what police.uk would show."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.activity.police_uk.factories import (
    BASE,
    FORCE,
    area_code_of,
    import_neighbourhood,
    planned_event,
    unique_id,
)
from tests.conftest import assert_problem


def _local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Europe/London")).replace(tzinfo=None).isoformat()


async def test_force_record_and_senior_officers_in_the_forces_shapes(
    activity_client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    from services.activity.police_uk.schemas import FORCE_EXAMPLE, SENIOR_OFFICERS_EXAMPLE

    created = await activity_client.put(f"/api/v1/police-uk/forces/{FORCE}", json=FORCE_EXAMPLE)
    assert created.status_code == 201, created.text
    again = await activity_client.put(f"/api/v1/police-uk/forces/{FORCE}", json=FORCE_EXAMPLE)
    assert again.status_code == 200
    people = await activity_client.put(
        f"/api/v1/police-uk/forces/{FORCE}/people", json=SENIOR_OFFICERS_EXAMPLE
    )
    assert people.status_code == 200, people.text

    assert (await anonymous.get("/api/v1/police-uk/forces")).json() == [
        {"id": FORCE, "name": "Example Constabulary"}
    ]
    record = (await anonymous.get(f"/api/v1/police-uk/forces/{FORCE}")).json()
    assert record == {
        "id": FORCE,
        "name": "Example Constabulary",
        "description": "<p>Keeping our communities safe.</p>",
        "url": "https://example.police.uk",
        "telephone": "101",
        "engagement_methods": [
            {
                "type": "facebook",
                "title": "Facebook",
                "url": "https://www.facebook.com/example.police",
                "description": None,
            },
            {
                "type": "twitter",
                "title": "Twitter",
                "url": "https://twitter.com/example_police",
                "description": None,
            },
        ],
    }
    assert (await anonymous.get(f"/api/v1/police-uk/forces/{FORCE}/people")).json() == [
        {
            "name": "Chief Constable",
            "rank": "Chief Constable",
            "bio": "<p>Leads the force.</p>",
            "contact_details": {"twitter": "https://twitter.com/example_cc"},
        }
    ]
    assert_problem(await anonymous.get("/api/v1/police-uk/forces/no-such-force"), 404)
    mismatch = await activity_client.put(
        "/api/v1/police-uk/forces/other-force", json={**FORCE_EXAMPLE}
    )
    assert_problem(mismatch, 422, "body.id")
    assert_problem(await anonymous.get("/api/v1/police-uk/forces/other-force"), 404)


async def test_import_then_export_round_trip_field_by_field(
    activity_client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    nid = unique_id()
    sent = await import_neighbourhood(activity_client, nid)
    record = (await anonymous.get(f"{BASE}/{nid}")).json()
    imported = sent["record"]
    for field in ("id", "name", "description", "url_force", "contact_details", "links"):
        assert record[field] == imported[field], field
    assert record["population"] == imported["population"]
    assert record["locations"] == imported["locations"]
    assert {k: float(v) for k, v in record["centre"].items()} == {
        k: float(v) for k, v in imported["centre"].items()
    }
    assert record["completeness"] == {
        "contact_details": True,
        "team_photos": True,
        "priorities": True,
        "score": 1.0,
        "missing": [],
    }
    people = (await anonymous.get(f"{BASE}/{nid}/people")).json()
    assert people == [
        {"photo_url": None, **p} if "photo_url" not in p else p for p in sent["people"]
    ]
    assert (await anonymous.get(f"{BASE}/{nid}/priorities")).json() == sent["priorities"]
    boundary = (await anonymous.get(f"{BASE}/{nid}/boundary")).json()
    assert [(float(p["latitude"]), float(p["longitude"])) for p in boundary] == [
        (float(p["latitude"]), float(p["longitude"])) for p in sent["boundary"]
    ]
    assert (await anonymous.get(f"{BASE}/neighbourhoods")).json() == [
        {"id": nid, "name": imported["name"]}
    ]


async def test_events_publish_only_what_the_author_marked_public(
    activity_client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    nid = unique_id()
    await import_neighbourhood(activity_client, nid)
    area = await area_code_of(activity_client, nid)
    shown = await planned_event(
        activity_client,
        area,
        title="Beat surgery at the library",
        notes="Internal: the informant from Elm Road will attend.",
    )
    await planned_event(activity_client, area, publish=None, title="Unpublished surgery")
    cancelled = await planned_event(activity_client, area, title="Cancelled surgery")
    withdrawn = await planned_event(activity_client, area, title="Withdrawn surgery")
    deleted = await planned_event(activity_client, area, title="Deleted surgery")
    await planned_event(activity_client, area, title="Past surgery", days_ahead=-2)

    patch = await activity_client.patch(
        f"/api/v1/activities/{cancelled['id']}",
        json={"status": "cancelled"},
        headers={
            "If-Match": f'"{cancelled["version"]}"',
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert patch.status_code == 200, patch.text
    gone = await activity_client.delete(
        f"/api/v1/activities/{deleted['id']}",
        params={"reason": "duplicate"},
        headers={"If-Match": f'"{deleted["version"]}"'},
    )
    assert gone.status_code in (200, 204), gone.text
    out = await activity_client.delete(f"/api/v1/police-uk/published-events/{withdrawn['id']}")
    assert out.status_code == 204, out.text

    response = await anonymous.get(f"{BASE}/{nid}/events")
    assert response.status_code == 200, response.text
    starts = datetime.fromisoformat(shown["starts_at"])
    assert response.json() == [
        {
            "contact_details": {"email": "team@example.police.uk", "telephone": "101"},
            "description": "Come and meet the team.",
            "title": "Beat surgery at the library",
            "address": "Central library",
            "type": "beat surgery",
            "start_date": _local(starts),
            "end_date": _local(starts + timedelta(hours=2)),
        }
    ]
    for secret in ("informant", "review", "received", "demo", "bootstrap"):
        assert secret not in response.text


async def test_publishing_is_refused_for_what_police_uk_would_not_show(
    activity_client: httpx.AsyncClient,
) -> None:
    nid = unique_id()
    await import_neighbourhood(activity_client, nid)
    area = await area_code_of(activity_client, nid)
    patrol = await planned_event(
        activity_client, area, publish=None, activity_type="patrol_interaction"
    )
    path = "/api/v1/police-uk/published-events"
    assert_problem(await activity_client.put(f"{path}/{patrol['id']}", json={}), 422, "activity")
    done = await planned_event(
        activity_client, area, publish=None, days_ahead=-1, status="completed"
    )
    assert_problem(await activity_client.put(f"{path}/{done['id']}", json={}), 422, "activity")
    unknown = "00000000-0000-4000-8000-000000000000"
    assert_problem(await activity_client.put(f"{path}/{unknown}", json={}), 404)
    assert_problem(await activity_client.delete(f"{path}/{patrol['id']}"), 404)
    assert_problem(
        await activity_client.put(f"{path}/{patrol['id']}", json={"extra": 1}), 422, "body.extra"
    )


async def test_what_is_missing_from_a_profile_is_in_its_record(
    activity_client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    nid = unique_id()
    await import_neighbourhood(activity_client, nid, photos=False, contact_details={})
    record = (await anonymous.get(f"{BASE}/{nid}")).json()
    assert record["contact_details"] == {}
    assert record["completeness"]["missing"] == ["contact_details", "team_photos"]
    area = (
        await activity_client.get(f"/api/v1/areas/{await area_code_of(activity_client, nid)}")
    ).json()
    assert area["completeness"] == record["completeness"]
    stale = [{"issue": "Old issue", "issue-date": "2020-01-01T00:00:00", "action-date": None}]
    await activity_client.post(f"{BASE}/{nid}/priorities", json=stale)
    record = (await anonymous.get(f"{BASE}/{nid}")).json()
    assert record["completeness"]["missing"] == ["contact_details", "team_photos", "priorities"]
    assert record["completeness"]["score"] == 0.0


async def test_locate_neighbourhood_by_point_in_polygon(
    activity_client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    west, east = unique_id(), unique_id()
    await import_neighbourhood(activity_client, west, centre=(51.40, -2.60))
    await import_neighbourhood(activity_client, east, centre=(51.40, -2.58))  # shares an edge
    located = await anonymous.get(
        "/api/v1/police-uk/locate-neighbourhood", params={"q": "51.401,-2.605"}
    )
    assert located.status_code == 200, located.text
    assert located.json() == {"force": FORCE, "neighbourhood": west}
    located = await anonymous.get(
        "/api/v1/police-uk/locate-neighbourhood", params={"q": "51.405,-2.575"}
    )
    assert located.json() == {"force": FORCE, "neighbourhood": east}
    nowhere = await anonymous.get(
        "/api/v1/police-uk/locate-neighbourhood", params={"q": "52.0,-1.0"}
    )
    assert_problem(nowhere, 404)
    assert nowhere.headers["access-control-allow-origin"] == "*"
    for bad in ("51.4", "north,west", "91,0", "51.4,-2.6,3"):
        response = await anonymous.get("/api/v1/police-uk/locate-neighbourhood", params={"q": bad})
        assert_problem(response, 422, "query.q")


async def test_geojson_boundary_with_a_hole(
    activity_client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    nid = unique_id()
    await import_neighbourhood(activity_client, nid, centre=(50.0, -4.0))
    outer = [[-4.1, 49.9], [-3.9, 49.9], [-3.9, 50.1], [-4.1, 50.1], [-4.1, 49.9]]
    hole = [[-4.01, 49.99], [-3.99, 49.99], [-3.99, 50.01], [-4.01, 50.01], [-4.01, 49.99]]
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [outer, hole]},
    }
    response = await activity_client.put(f"{BASE}/{nid}/boundary", json=feature)
    assert response.status_code == 200, response.text
    assert [(float(p["longitude"]), float(p["latitude"])) for p in response.json()] == [
        tuple(c) for c in outer[:-1]
    ]
    locate = "/api/v1/police-uk/locate-neighbourhood"
    assert (await anonymous.get(locate, params={"q": "49.95,-4.05"})).json()["neighbourhood"] == nid
    assert_problem(await anonymous.get(locate, params={"q": "50.0,-4.0"}), 404)  # in the hole


async def test_bad_boundaries_are_refused_and_change_nothing(
    activity_client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    nid = unique_id()
    sent = await import_neighbourhood(activity_client, nid)
    path = f"{BASE}/{nid}/boundary"
    bowtie = [
        {"latitude": 0, "longitude": 0},
        {"latitude": 1, "longitude": 1},
        {"latitude": 0, "longitude": 1},
        {"latitude": 1, "longitude": 0},
    ]
    cases: list[tuple[Any, str]] = [
        ([{"latitude": 1, "longitude": 1}, {"latitude": 2, "longitude": 2}], "body"),
        (bowtie, "body"),
        ([{"latitude": 95, "longitude": 0}] * 3, "body.0.latitude"),
        ({"type": "Point", "coordinates": [0, 0]}, "body.type"),
        ({"type": "Polygon", "coordinates": "nope"}, "body.coordinates"),
        ({"type": "FeatureCollection", "features": []}, "body.features"),
        ("text", "body"),
    ]
    for body, field in cases:
        assert_problem(await activity_client.put(path, json=body), 422, field)
    deep = await activity_client.put(
        path, content="[" * 100_000, headers={"Content-Type": "application/json"}
    )
    assert_problem(deep, 422, "body")
    boundary = (await anonymous.get(path)).json()
    assert len(boundary) == len(sent["boundary"])
    assert_problem(await activity_client.put(f"{BASE}/NOPE/boundary", json=sent["boundary"]), 404)


async def test_conditional_gets_and_cache_headers(
    activity_client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    nid = unique_id()
    await import_neighbourhood(activity_client, nid)
    path = f"{BASE}/{nid}"
    first = await anonymous.get(path)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"] == "public, max-age=300"
    assert first.headers["access-control-allow-origin"] == "*"
    assert "ETag" in first.headers["access-control-expose-headers"]
    same = await anonymous.get(path, headers={"If-None-Match": etag})
    assert same.status_code == 304
    assert same.content == b""
    assert same.headers["etag"] == etag
    assert (
        await anonymous.get(path, headers={"If-None-Match": f'W/{etag}, "x"'})
    ).status_code == 304
    assert (await anonymous.get(path, headers={"If-Modified-Since": modified})).status_code == 304
    assert (
        await anonymous.get(path, headers={"If-Modified-Since": "yesterday"})
    ).status_code == 200
    # If-None-Match decides when both are sent.
    both = await anonymous.get(
        path, headers={"If-None-Match": '"other"', "If-Modified-Since": modified}
    )
    assert both.status_code == 200
    # A change is a new validator.
    await activity_client.post(
        f"{BASE}/neighbourhoods", params={"district": "BRS"}, json=[{"id": nid, "name": "Renamed"}]
    )
    changed = await anonymous.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["name"] == "Renamed"
    assert changed.headers["etag"] != etag
    # Events: a new publication changes the list even within the same second.
    events = await anonymous.get(f"{path}/events")
    area = await area_code_of(activity_client, nid)
    await planned_event(activity_client, area)
    later = await anonymous.get(f"{path}/events", headers={"If-None-Match": events.headers["etag"]})
    assert later.status_code == 200
    assert len(later.json()) == 1


async def test_cors_preflight_is_open_for_get(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.options(
        f"{BASE}/X1/events",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "GET" in response.headers["access-control-allow-methods"]
    assert "If-None-Match" in response.headers["access-control-allow-headers"]


async def test_reads_are_public_but_imports_need_credentials(
    activity_client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    nid = unique_id()
    await import_neighbourhood(activity_client, nid)
    for suffix in ("", "/people", "/priorities", "/events", "/boundary"):
        assert (await anonymous.get(f"{BASE}/{nid}{suffix}")).status_code == 200, suffix
    assert_problem(
        await anonymous.post(f"{BASE}/neighbourhoods", params={"district": "BRS"}, json=[]), 401
    )
    assert_problem(await anonymous.put(f"{BASE}/{nid}/boundary", json=[]), 401)
    assert_problem(await anonymous.put("/api/v1/police-uk/forces/x", json={"name": "x"}), 401)
    bad_key = await anonymous.get(f"{BASE}/{nid}", headers={"X-API-Key": "wrong"})
    assert_problem(bad_key, 401)


async def test_turning_public_off_requires_activity_read(private_client: httpx.AsyncClient) -> None:
    nid = unique_id()
    await import_neighbourhood(private_client, nid)
    transport = httpx.ASGITransport(app=private_client.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://activity") as anonymous:
        for path in (
            "/api/v1/police-uk/forces",
            f"{BASE}/neighbourhoods",
            f"{BASE}/{nid}",
            f"{BASE}/{nid}/people",
            f"{BASE}/{nid}/priorities",
            f"{BASE}/{nid}/events",
            f"{BASE}/{nid}/boundary",
            "/api/v1/police-uk/locate-neighbourhood?q=51.4633,-2.5621",
        ):
            assert_problem(await anonymous.get(path), 401)
            answer = await private_client.get(path)
            assert answer.status_code == 200, (path, answer.text)
            assert answer.headers["cache-control"] == "private, no-cache"
