"""District limits in the activity service (`repository.in_districts`): a caller limited to
districts reaches only records of those districts, whichever query finds them."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from tests.conftest import assert_problem
from tests.support.factories import batch_item
from tests.support.identity import identity

MERGE = {"content-type": "application/merge-patch+json"}


def _reader() -> dict[str, str]:
    return identity(["activity:read"], districts=["NSM"])


def _writer() -> dict[str, str]:
    return identity(["activity:read", "activity:write", "activity:review"], districts=["NSM"])


async def _load(client: httpx.AsyncClient, items: list[dict[str, object]]) -> None:
    response = await client.post("/api/v1/activities/batch", json={"items": items})
    assert response.status_code == 200, response.text
    assert response.json()["created"] == len(items)


async def test_overlaps_only_pair_activities_of_the_callers_districts(
    activity_client: httpx.AsyncClient,
) -> None:
    def at(day: int) -> str:
        return datetime(2021, 10, 4 + day, 10, tzinfo=UTC).isoformat()

    plan = {"status": "planned", "ends_at": None}
    brs_a = batch_item(**plan, starts_at=at(0), area="BRS-01", directorate="recruitment")
    brs_b = batch_item(**plan, starts_at=at(1), area="BRS-01", directorate="fraud_cyber_protect")
    # The same venue across two districts: a pair the force sees, a limited caller never.
    venue_brs = batch_item(
        **plan,
        starts_at=at(2),
        area="BRS-02",
        directorate="recruitment",
        location={"venue": "Civic Centre"},
    )
    venue_nsm = batch_item(
        **plan,
        starts_at=at(3),
        area="NSM-01",
        directorate="citizens_in_policing",
        location={"venue": "civic centre"},
    )
    await _load(activity_client, [brs_a, brs_b, venue_brs, venue_nsm])
    window = {"from": "2021-10-01", "to": "2021-10-31"}
    force = (await activity_client.get("/api/v1/activities/overlaps", params=window)).json()
    assert {o["reason"] for o in force} == {"same_area", "same_venue"}
    limited = await activity_client.get(
        "/api/v1/activities/overlaps", params=window, headers=_reader()
    )
    assert limited.status_code == 200
    assert limited.json() == []


async def test_actions_history_and_review_keep_to_the_callers_districts(
    activity_client: httpx.AsyncClient,
) -> None:
    due = {"issue": "Speeding outside the school", "due_on": "2021-01-10"}
    brs = batch_item(area="BRS-01", actions=[due])
    nsm = batch_item(area="NSM-01", actions=[due])
    await _load(activity_client, [brs, nsm])
    listed = await activity_client.get("/api/v1/actions", headers=_reader())
    assert {a["activity_id"] for a in listed.json()["items"]} == {nsm["id"]}

    brs_action = (await activity_client.get(f"/api/v1/activities/{brs['id']}")).json()
    action_id = brs_action["actions"][0]["id"]
    patched = await activity_client.patch(
        f"/api/v1/actions/{action_id}",
        content=b'{"done_on": "2021-01-09"}',
        headers={**_writer(), **MERGE, "If-Match": '"1"'},
    )
    assert_problem(patched, 404)
    review = await activity_client.post(
        f"/api/v1/activities/{brs['id']}/review",
        json={"decision": "approve"},
        headers=_writer(),
    )
    assert_problem(review, 404)
    assert_problem(
        await activity_client.get(f"/api/v1/activities/{brs['id']}/history", headers=_reader()),
        404,
    )
    own = await activity_client.get(f"/api/v1/activities/{nsm['id']}/history", headers=_reader())
    assert own.status_code == 200


async def test_a_caller_of_several_districts_sees_each_of_them(
    activity_client: httpx.AsyncClient,
) -> None:
    items = [
        batch_item(area=area, starts_at=f"2021-03-0{i + 1}T10:00:00+00:00", ends_at=None)
        for i, area in enumerate(("BRS-01", "NSM-01", "BS-EAST-03"))
    ]
    await _load(activity_client, items)
    two = identity(["activity:read"], districts=["NSM", "BS"])
    listed = await activity_client.get(
        "/api/v1/activities", params={"from": "2021-03-01", "to": "2021-03-31"}, headers=two
    )
    assert {i["district"] for i in listed.json()["items"]} == {"NSM", "BS"}
    unreconciled = await activity_client.get("/api/v1/activities/unreconciled", headers=two)
    assert unreconciled.status_code == 200
    assert all(i["district"] in ("NSM", "BS") for i in unreconciled.json()["items"])


async def test_registries_keep_to_the_callers_districts(
    activity_client: httpx.AsyncClient,
) -> None:
    group = {"name": "Speedwatch", "group_type": "community_speedwatch", "area": "BRS-01"}
    created = await activity_client.post("/api/v1/community-groups", json=group)
    assert created.status_code == 201, created.text
    hours = await activity_client.post(
        "/api/v1/volunteer-hours",
        json={"role": "cadet", "month": "2022-09", "area": "BRS-01", "hours": 12},
    )
    assert hours.status_code == 201, hours.text

    areas = await activity_client.get("/api/v1/areas", headers=_reader())
    assert {a["code"] for a in areas.json()["items"]} == {"NSM", "NSM-01", "NSM-02"}
    assert_problem(await activity_client.get("/api/v1/areas/BRS-01", headers=_reader()), 404)
    moved = await activity_client.patch(
        "/api/v1/areas/BRS-01", json={"name": "Mine"}, headers={**_writer(), **MERGE}
    )
    assert_problem(moved, 404)
    for collection, location in (
        ("community-groups", created.headers["location"]),
        ("volunteer-hours", hours.headers["location"]),
    ):
        assert_problem(await activity_client.get(location, headers=_reader()), 404)
        listed = await activity_client.get(f"/api/v1/{collection}", headers=_reader())
        assert listed.json()["items"] == []
        assert len((await activity_client.get(f"/api/v1/{collection}")).json()["items"]) == 1
