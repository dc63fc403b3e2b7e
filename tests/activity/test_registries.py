"""Registries: areas (with beat-profile completeness), community groups, plans, volunteer hours."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from tests.conftest import assert_problem
from tests.support.factories import activity_payload
from tests.support.queries import counting_selects

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


async def test_listing_plans_counts_their_activities_in_one_query(
    activity_client: httpx.AsyncClient,
) -> None:
    async def plans_listed() -> tuple[list[dict[str, Any]], int]:
        with counting_selects(activity_client) as selects:
            page = await activity_client.get("/api/v1/plans", params={"limit": 100})
        assert page.status_code == 200, page.text
        return page.json()["items"], len(selects)

    async def add_plan(n: int) -> str:
        created = await activity_client.post(
            "/api/v1/plans",
            json={
                "kind": "strategy",
                "title": f"Strategy {n}",
                "starts_on": "2022-04-01",
                "ends_on": "2025-03-31",
            },
        )
        assert created.status_code == 201, created.text
        plan_id = str(created.json()["id"])
        for status in ("planned", "completed")[: 1 + n % 2]:
            logged = await activity_client.post(
                "/api/v1/activities", json=activity_payload(plan_id=plan_id, status=status)
            )
            assert logged.status_code == 201
        return plan_id

    await add_plan(0)
    _, with_one = await plans_listed()
    for n in range(1, 7):
        await add_plan(n)
    items, with_seven = await plans_listed()
    assert with_seven == with_one
    assert len(items) == 7
    assert sorted(
        (p["title"], p["activities"]["planned"], p["activities"]["completed"]) for p in items
    ) == [(f"Strategy {n}", 1, n % 2) for n in range(7)]


async def test_community_groups(activity_client: httpx.AsyncClient) -> None:
    body = {
        "name": "Youth panel north",
        "group_type": "youth_panel",
        "area": "NSM-01",
        "active_from": "2022-01-01",
    }
    created = await activity_client.post("/api/v1/community-groups", json=body)
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    assert (await activity_client.get(url)).json()["name"] == "Youth panel north"
    ended = await activity_client.patch(
        url, json={"active": False, "active_to": "2022-12-31"}, headers=MERGE
    )
    assert ended.json()["active"] is False
    assert ended.json()["active_to"] == "2022-12-31"
    backwards = await activity_client.patch(url, json={"active_to": "2021-01-01"}, headers=MERGE)
    assert_problem(backwards, 422, "body.active_to")
    assert_problem(
        await activity_client.post(
            "/api/v1/community-groups", json={**body, "group_type": "book_club"}
        ),
        422,
        "body.group_type",
    )
    assert_problem(
        await activity_client.post("/api/v1/community-groups", json={**body, "area": "NOPE"}),
        422,
        "body.area",
    )
    inactive = await activity_client.get("/api/v1/community-groups", params={"active": "false"})
    assert [g["id"] for g in inactive.json()["items"]] == [created.json()["id"]]


async def test_plans_link_strategy_local_plan_and_activities(
    activity_client: httpx.AsyncClient,
) -> None:
    strategy = await activity_client.post(
        "/api/v1/plans",
        json={
            "kind": "strategy",
            "title": "Engagement strategy",
            "starts_on": "2022-04-01",
            "ends_on": "2025-03-31",
        },
    )
    local = await activity_client.post(
        "/api/v1/plans",
        json={
            "kind": "local_engagement_plan",
            "title": "North Somerset plan",
            "parent_id": strategy.json()["id"],
            "area": "NSM",
            "starts_on": "2022-04-01",
            "ends_on": "2023-03-31",
        },
    )
    assert local.status_code == 201, local.text
    plan_id = local.json()["id"]
    for status in ("planned", "planned", "completed"):
        response = await activity_client.post(
            "/api/v1/activities", json=activity_payload(plan_id=plan_id, status=status)
        )
        assert response.status_code == 201
    read = (await activity_client.get(f"/api/v1/plans/{plan_id}")).json()
    assert read["activities"] == {"planned": 2, "completed": 1, "cancelled": 0}
    planned = await activity_client.get(
        "/api/v1/activities", params={"plan_id": plan_id, "status": "planned"}
    )
    assert len(planned.json()["items"]) == 2
    orphan = await activity_client.post(
        "/api/v1/plans",
        json={
            "kind": "local_engagement_plan",
            "title": "No strategy",
            "starts_on": "2022-04-01",
            "ends_on": "2023-03-31",
        },
    )
    assert_problem(orphan, 422, "body.parent_id")
    backwards = await activity_client.patch(
        f"/api/v1/plans/{plan_id}", json={"ends_on": "2020-01-01"}, headers=MERGE
    )
    assert_problem(backwards, 422, "body.ends_on")
    children = await activity_client.get(
        "/api/v1/plans", params={"parent_id": strategy.json()["id"]}
    )
    assert [p["id"] for p in children.json()["items"]] == [plan_id]


async def test_volunteer_hours(activity_client: httpx.AsyncClient) -> None:
    created = await activity_client.post(
        "/api/v1/volunteer-hours",
        json={"role": "cadet", "month": "2022-09", "area": "NSM-01", "volunteers": 5, "hours": 40},
    )
    assert created.status_code == 201, created.text
    assert created.json()["district"] == "NSM"
    url = created.headers["location"]
    changed = await activity_client.patch(url, json={"hours": 42.5}, headers=MERGE)
    assert changed.json()["hours"] == 42.5
    for body, field in [
        ({"role": "cadet", "month": "2022-13", "hours": 1}, "body.month"),
        ({"role": "cadet", "month": "2022-09", "hours": -1}, "body.hours"),
        ({"role": "wizard", "month": "2022-09", "hours": 1}, "body.role"),
    ]:
        assert_problem(await activity_client.post("/api/v1/volunteer-hours", json=body), 422, field)
    listed = await activity_client.get(
        "/api/v1/volunteer-hours", params={"district": "NSM", "from": "2022-09", "to": "2022-09"}
    )
    assert [h["id"] for h in listed.json()["items"]] == [created.json()["id"]]
    assert_problem(await activity_client.get(f"/api/v1/volunteer-hours/{uuid.uuid4()}"), 404)


async def test_taxonomy_serves_every_code_list_and_the_definitions(
    activity_client: httpx.AsyncClient,
) -> None:
    from shared.contracts import taxonomy

    body = (await activity_client.get("/api/v1/taxonomy")).json()
    lists = body["code_lists"]
    assert {c["code"] for c in lists["directorate"]} == {d.value for d in taxonomy.Directorate}
    assert {c["code"] for c in lists["activity_type"]} == {t.value for t in taxonomy.ActivityType}
    classification = {c["code"]: c for c in lists["classification"]}
    assert "two-way" in classification["engagement"]["definition"]
    assert "One-way" in classification["communication"]["definition"]
    assert set(body["definitions"]) >= {"engagement", "interaction", "communication", "inform"}
    for name in ("group_type", "volunteer_role", "plan_kind", "area_kind", "topic", "channel"):
        assert lists[name], name


REGISTRY_RECORDS = [
    # (collection, body to create, a field to change, its new value, a free-text field)
    (
        "/api/v1/areas",
        {"code": "BRS-09", "name": "Ninth", "kind": "neighbourhood", "parent": "BRS"},
        "name",
        "Ninth renamed",
        "description",
    ),
    (
        "/api/v1/community-groups",
        {"name": "Watch north", "group_type": "neighbourhood_watch", "area": "NSM-01"},
        "name",
        "Watch north east",
        "notes",
    ),
    (
        "/api/v1/plans",
        {"kind": "strategy", "title": "Plan", "starts_on": "2022-04-01", "ends_on": "2023-03-31"},
        "title",
        "Plan, revised",
        "notes",
    ),
    (
        "/api/v1/volunteer-hours",
        {"role": "cadet", "month": "2022-09", "area": "BRS-01", "hours": 5},
        "hours",
        7.5,
        "notes",
    ),
]


async def test_registry_records_carry_an_etag_and_refuse_a_stale_if_match(
    activity_client: httpx.AsyncClient,
) -> None:
    for collection, body, field, value, text in REGISTRY_RECORDS:
        created = await activity_client.post(collection, json=body)
        assert created.status_code == 201, created.text
        assert created.headers["etag"] == '"1"'
        url = created.headers["location"]
        read = await activity_client.get(url)
        assert read.headers["etag"] == '"1"'
        stale = await activity_client.patch(
            url, json={field: value}, headers={**MERGE, "If-Match": '"7"'}
        )
        assert_problem(stale, 412)
        assert stale.headers["etag"] == '"1"'
        unchanged = await activity_client.get(url)
        assert (unchanged.json()[field], unchanged.headers["etag"]) == (read.json()[field], '"1"')
        changed = await activity_client.patch(
            url, json={field: value}, headers={**MERGE, "If-Match": '"1"'}
        )
        assert changed.status_code == 200, changed.text
        assert (changed.json()[field], changed.headers["etag"]) == (value, '"2"')
        # Optional on registries: without it the change applies to what is current.
        blind = await activity_client.patch(url, json={text: "checked"}, headers=MERGE)
        assert blind.status_code == 200, blind.text
        assert blind.headers["etag"] == '"3"'
        # Two editors who read the same version: one change lands, the other is told.
        racing = await asyncio.gather(
            *(
                activity_client.patch(
                    url, json={text: f"editor {n}"}, headers={**MERGE, "If-Match": '"3"'}
                )
                for n in (1, 2)
            )
        )
        assert sorted(r.status_code for r in racing) == [200, 412], collection
        winner = next(r for r in racing if r.status_code == 200)
        final = await activity_client.get(url)
        assert final.json()[text] == winner.json()[text]
        assert final.headers["etag"] == '"4"'
