"""The plans registry: strategies, local plans and the activities that deliver them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import assert_problem
from tests.support.factories import activity_payload
from tests.support.queries import counting_selects

MERGE = {"content-type": "application/merge-patch+json"}


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
