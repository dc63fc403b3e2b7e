"""The community groups registry."""

from __future__ import annotations

import httpx

from tests.conftest import assert_problem

MERGE = {"content-type": "application/merge-patch+json"}


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
