"""The areas registry: hierarchy, district derivation, beat-profile completeness, moves."""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from tests.conftest import assert_problem
from tests.support.factories import activity_payload

MERGE = {"content-type": "application/merge-patch+json"}


async def test_area_hierarchy_and_district_derivation(activity_client: httpx.AsyncClient) -> None:
    brs01 = (await activity_client.get("/api/v1/areas/BRS-01")).json()
    assert (brs01["kind"], brs01["parent"], brs01["district"], brs01["force"]) == (
        "neighbourhood",
        "BRS",
        "BRS",
        "TESTFORCE",
    )
    logged = await activity_client.post("/api/v1/activities", json=activity_payload(area="BRS-02"))
    assert logged.json()["district"] == "BRS"
    district_level = await activity_client.post(
        "/api/v1/activities", json=activity_payload(area="NSM")
    )
    assert district_level.json()["district"] == "NSM"
    page = (await activity_client.get("/api/v1/areas", params={"district": "BRS"})).json()
    assert [a["code"] for a in page["items"]] == ["BRS", "BRS-01", "BRS-02"]
    neighbourhoods = await activity_client.get(
        "/api/v1/areas", params={"kind": "neighbourhood", "limit": 2}
    )
    first = neighbourhoods.json()
    second = (
        await activity_client.get(
            "/api/v1/areas",
            params={"kind": "neighbourhood", "limit": 2, "cursor": first["next_cursor"]},
        )
    ).json()
    assert [a["code"] for a in first["items"] + second["items"]] == [
        "BRS-01",
        "BRS-02",
        "BS-EAST-03",
        "NSM-01",
    ]


async def test_area_rules(activity_client: httpx.AsyncClient) -> None:
    base = {"name": "X", "kind": "neighbourhood"}
    cases = [
        ({**base, "code": "N-1"}, "body.parent"),
        ({**base, "code": "N-1", "parent": "NOPE"}, "body.parent"),
        ({**base, "code": "N-1", "parent": "TESTFORCE"}, "body.parent"),
        ({**base, "code": "has space", "parent": "BRS"}, "body.code"),
        ({**base, "code": "N-1", "parent": "BRS", "kind": "beat"}, "body.kind"),
        (
            {**base, "code": "N-1", "parent": "BRS", "centre": {"latitude": 99, "longitude": 0}},
            "body.centre.latitude",
        ),
        ({**base, "code": "N-1", "parent": "BRS", "extra": 1}, "body.extra"),
    ]
    for body, field in cases:
        assert_problem(await activity_client.post("/api/v1/areas", json=body), 422, field)
    duplicate = {**base, "code": "BRS-01", "parent": "BRS"}
    assert_problem(await activity_client.post("/api/v1/areas", json=duplicate), 409)
    assert_problem(await activity_client.get("/api/v1/areas/N-1"), 404)


async def test_beat_profile_completeness_and_update(activity_client: httpx.AsyncClient) -> None:
    area = (await activity_client.get("/api/v1/areas/BRS-02")).json()
    assert area["completeness"] == {
        "contact_details": False,
        "team_photos": False,
        "priorities": False,
        "score": 0.0,
        "missing": ["contact_details", "team_photos", "priorities"],
    }
    # Priorities count when updated in the last three months.
    raised, acted = date.today() - timedelta(days=60), date.today() - timedelta(days=30)
    patch = {
        "contact_details": {"email": "team@example.police.uk"},
        "priorities": [
            {
                "issue": "Speeding",
                "issue_date": raised.isoformat(),
                "action": "Speedwatch",
                "action_date": acted.isoformat(),
            }
        ],
    }
    updated = await activity_client.patch("/api/v1/areas/BRS-02", json=patch, headers=MERGE)
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["completeness"]["score"] == round(2 / 3, 4)
    assert body["completeness"]["missing"] == ["team_photos"]
    assert body["priorities"][0]["issue_date"] == raised.isoformat()
    assert body["version"] == 2
    kind_change = await activity_client.patch(
        "/api/v1/areas/BRS-02", json={"kind": "district"}, headers=MERGE
    )
    assert_problem(kind_change, 422, "body.kind")
    moved = await activity_client.patch(
        "/api/v1/areas/BRS-02", json={"parent": "NSM"}, headers=MERGE
    )
    assert moved.json()["district"] == "NSM"


async def test_moving_an_area_moves_what_is_derived_from_its_place(
    activity_client: httpx.AsyncClient,
) -> None:
    client = activity_client
    moving = await client.post(
        "/api/v1/activities", json=activity_payload(area="BRS-01", audience={"attendees": 7})
    )
    staying = await client.post(
        "/api/v1/activities", json=activity_payload(area="BRS-02", audience={"attendees": 3})
    )
    hours = await client.post(
        "/api/v1/volunteer-hours",
        json={"role": "cadet", "month": "2022-09", "area": "BRS-01", "hours": 12},
    )
    assert hours.json()["district"] == "BRS"

    moved = await client.patch("/api/v1/areas/BRS-01", json={"parent": "NSM"}, headers=MERGE)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["district"], moved.json()["force"]) == ("NSM", "TESTFORCE")

    moving_id, staying_id = moving.json()["id"], staying.json()["id"]
    after = await client.get(f"/api/v1/activities/{moving_id}")
    assert after.json()["district"] == "NSM"
    # Its representation changed, so its version (ETag) did, and the history says why.
    assert after.headers["etag"] != moving.headers["etag"]
    history = (await client.get(f"/api/v1/activities/{moving_id}/history")).json()
    assert history[-1]["change"] == "area_moved"
    assert history[-1]["changes"] == {"district": {"old": "BRS", "new": "NSM"}}
    assert history[-1]["version"] == after.json()["version"] == 2
    unmoved = await client.get(f"/api/v1/activities/{staying_id}")
    assert unmoved.headers["etag"] == staying.headers["etag"]
    nsm = await client.get("/api/v1/activities", params={"district": "NSM"})
    assert [i["id"] for i in nsm.json()["items"]] == [moving_id]
    brs = await client.get("/api/v1/activities", params={"district": "BRS"})
    assert [i["id"] for i in brs.json()["items"]] == [staying_id]
    aggregate = await client.get("/api/v1/activities/aggregate", params={"group_by": "district"})
    by_district = {
        r["district"]: (r["activities"], r["attendees"], r["volunteer_hours"])
        for r in aggregate.json()["rows"]
    }
    assert by_district == {"BRS": (1, 3, 0.0), "NSM": (1, 7, 12.0)}
    assert (await client.get(hours.headers["location"])).json()["district"] == "NSM"
    listed_hours = await client.get("/api/v1/volunteer-hours", params={"district": "NSM"})
    assert [h["id"] for h in listed_hours.json()["items"]] == [hours.json()["id"]]

    # A district moved to another force takes its neighbourhoods with it.
    other = await client.post(
        "/api/v1/areas", json={"code": "OTHERFORCE", "name": "Other force", "kind": "force"}
    )
    assert other.status_code == 201, other.text
    district = await client.patch("/api/v1/areas/NSM", json={"parent": "OTHERFORCE"}, headers=MERGE)
    assert district.status_code == 200, district.text
    under = await client.get("/api/v1/areas", params={"parent": "NSM"})
    assert {(a["code"], a["district"], a["force"]) for a in under.json()["items"]} == {
        ("BRS-01", "NSM", "OTHERFORCE"),
        ("NSM-01", "NSM", "OTHERFORCE"),
        ("NSM-02", "NSM", "OTHERFORCE"),
    }
    untouched = (await client.get("/api/v1/areas/BRS-02")).json()
    assert (untouched["district"], untouched["force"]) == ("BRS", "TESTFORCE")
