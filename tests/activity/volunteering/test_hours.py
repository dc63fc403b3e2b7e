"""The volunteer hours registry."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import assert_problem

MERGE = {"content-type": "application/merge-patch+json"}


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
