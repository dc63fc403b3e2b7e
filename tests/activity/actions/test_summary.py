"""GET /api/v1/actions/summary: exact done / open / overdue counts of "you said, we did"
actions, equal to what paging the list finds, within the caller's districts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.contracts.survey import LONDON
from tests.conftest import assert_problem
from tests.support.factories import batch_item
from tests.support.identity import identity

SUMMARY = "/api/v1/actions/summary"


async def _load(client: httpx.AsyncClient, items: list[dict[str, Any]]) -> None:
    response = await client.post("/api/v1/activities/batch", json={"items": items})
    assert response.status_code == 200, response.text
    assert response.json()["created"] == len(items)


async def _listed(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    """Every action the list gives, page by page."""
    items: list[dict[str, Any]] = []
    query: dict[str, str] = {**params, "limit": "500"}
    while True:
        page = (await client.get("/api/v1/actions", params=query)).json()
        items += page["items"]
        if not page["next_cursor"]:
            return items
        query["cursor"] = page["next_cursor"]


def _actions(today: Any, n: int) -> list[dict[str, Any]]:
    """n actions cycling through overdue, done, not due yet and undated."""
    kinds = [
        {"due_on": (today - timedelta(days=2)).isoformat()},
        {"due_on": (today - timedelta(days=9)).isoformat(), "done_on": today.isoformat()},
        {"due_on": (today + timedelta(days=4)).isoformat()},
        {},
    ]
    return [{"issue": f"Issue {i}", **kinds[i % len(kinds)]} for i in range(n)]


async def test_counts_equal_the_list_and_follow_the_filters(
    activity_client: httpx.AsyncClient,
) -> None:
    today = datetime.now(LONDON).date()
    july = datetime(2022, 7, 5, 10, tzinfo=UTC).isoformat()
    october = datetime(2022, 10, 5, 10, tzinfo=UTC).isoformat()
    items = [
        batch_item(area="BRS-01", starts_at=july, ends_at=None, actions=_actions(today, 7)),
        batch_item(area="BRS-02", starts_at=october, ends_at=None, actions=_actions(today, 5)),
        batch_item(area="NSM-01", starts_at=july, ends_at=None, actions=_actions(today, 3)),
        batch_item(area="NSM-01", starts_at=july, ends_at=None),  # no actions
    ]
    await _load(activity_client, items)

    response = await activity_client.get(SUMMARY)
    assert response.status_code == 200, response.text
    body = response.json()
    every = await _listed(activity_client)
    open_ = await _listed(activity_client, open="true")
    overdue = await _listed(activity_client, overdue="true")
    assert body["total"] == len(every) == 15
    assert body["open"] == len(open_)
    assert body["done"] == len(every) - len(open_)
    assert body["overdue"] == len(overdue) == sum(1 for a in every if a["overdue"])
    assert body["as_of"] == today.isoformat()
    assert body["filters"] == {}

    district = (await activity_client.get(SUMMARY, params={"district": "BRS"})).json()
    assert district["total"] == 12
    assert district["overdue"] == len(
        await _listed(activity_client, overdue="true", district="BRS")
    )
    area = (await activity_client.get(SUMMARY, params={"area": "NSM-01"})).json()
    assert (area["total"], area["done"], area["open"], area["overdue"]) == (3, 1, 2, 1)
    # By the local date of the activity the action was raised at.
    quarter = {"from": "2022-07-01", "to": "2022-09-30"}
    q3 = (await activity_client.get(SUMMARY, params=quarter)).json()
    assert q3["total"] == 10
    assert (q3["done"], q3["overdue"]) == (3, 3)
    assert q3["filters"] == quarter
    later = (await activity_client.get(SUMMARY, params={"from": "2022-10-01"})).json()
    assert later["total"] == 5


async def test_deleted_activities_and_other_districts_do_not_count(
    activity_client: httpx.AsyncClient,
) -> None:
    today = datetime.now(LONDON).date()
    brs = batch_item(area="BRS-01", actions=_actions(today, 4))
    nsm = batch_item(area="NSM-01", actions=_actions(today, 6))
    gone = batch_item(area="NSM-02", actions=_actions(today, 8))
    await _load(activity_client, [brs, nsm, gone])
    deleted = await activity_client.delete(
        f"/api/v1/activities/{gone['id']}",
        params={"reason": "logged twice"},
        headers={"If-Match": '"1"'},
    )
    assert deleted.status_code == 204, deleted.text
    force = (await activity_client.get(SUMMARY)).json()
    assert force["total"] == 10
    limited = await activity_client.get(
        SUMMARY, headers=identity(["activity:read"], districts=["NSM"])
    )
    assert limited.status_code == 200
    assert limited.json()["total"] == 6
    listed = await activity_client.get(
        "/api/v1/actions", headers=identity(["activity:read"], districts=["NSM"])
    )
    assert limited.json()["total"] == len(listed.json()["items"])
    # Asking for another district's area finds nothing, as the list does.
    other = await activity_client.get(
        SUMMARY, params={"district": "BRS"}, headers=identity(["activity:read"], districts=["NSM"])
    )
    assert other.json()["total"] == 0


async def test_bad_bounds_are_problems_naming_the_field(
    activity_client: httpx.AsyncClient,
) -> None:
    backwards = await activity_client.get(
        SUMMARY, params={"from": "2022-09-30", "to": "2022-07-01"}
    )
    assert_problem(backwards, 422, "query.to")
    not_a_date = await activity_client.get(SUMMARY, params={"from": "2022-13-01"})
    assert_problem(not_a_date, 422, "query.from")
    unscoped = await activity_client.get(SUMMARY, headers=identity(["survey:read"]))
    assert_problem(unscoped, 403)
