"""`GET /api/v1/areas/{code}/summary`: registry counts the KPI service reads."""

from __future__ import annotations

import httpx

from services.activity.summaries.service import months_before, priorities_current
from tests.conftest import assert_problem

MERGE = {"Content-Type": "application/merge-patch+json"}


async def _summary(client: httpx.AsyncClient, code: str, *days: str) -> dict[str, object]:
    params = [("on", d) for d in days]
    response = await client.get(f"/api/v1/areas/{code}/summary", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_summary_counts_profiles_priorities_and_groups(
    activity_client: httpx.AsyncClient,
) -> None:
    complete = {
        "contact_details": {"phone": "101"},
        "people": [{"name": "PCSO", "photo_url": "https://example.police.uk/a.jpg"}],
        "priorities": [{"issue": "Speeding", "issue_date": "2022-06-15"}],
    }
    patched = await activity_client.patch("/api/v1/areas/BRS-01", json=complete, headers=MERGE)
    assert patched.status_code == 200, patched.text
    photo_only = {"people": [{"name": "PCSO", "photo_url": "https://example.police.uk/b.jpg"}]}
    await activity_client.patch("/api/v1/areas/NSM-01", json=photo_only, headers=MERGE)
    for group in (
        {
            "name": "W1",
            "group_type": "neighbourhood_watch",
            "area": "BRS-01",
            "active_from": "2022-01-01",
        },
        {
            "name": "W2",
            "group_type": "neighbourhood_watch",
            "area": "BRS",
            "active_from": "2022-01-01",
            "active_to": "2022-07-31",
        },
        {"name": "S1", "group_type": "community_speedwatch", "area": "NSM-02"},
        {"name": "Old", "group_type": "community_speedwatch", "area": "NSM-02", "active": False},
        {"name": "Force IAG", "group_type": "iag"},
    ):
        assert (
            await activity_client.post("/api/v1/community-groups", json=group)
        ).status_code == 201

    force = await _summary(activity_client, "TESTFORCE", "2022-09-30", "2022-07-31", "2021-12-31")
    assert force["kind"] == "force"
    assert force["priority_months"] == 3
    days = {d["on"]: d for d in force["days"]}  # type: ignore[attr-defined]
    sep, jul, dec = days["2022-09-30"], days["2022-07-31"], days["2021-12-31"]
    assert (sep["neighbourhoods"], sep["profiles_complete"]) == (5, 1)
    assert sep["profile_complete_share"] == 0.2
    # The priority is dated 15 June: current up to 15 September, not on the 30th.
    assert (sep["priorities_current"], jul["priorities_current"]) == (0, 1)
    assert sep["active_groups"] == {"community_speedwatch": 1, "iag": 1, "neighbourhood_watch": 1}
    assert jul["active_groups"]["neighbourhood_watch"] == 2  # W2 ends on 31 July
    assert dec["active_groups"] == {"community_speedwatch": 1, "iag": 1}

    district = await _summary(activity_client, "BRS", "2022-07-31")
    (only,) = district["days"]  # type: ignore[misc]
    assert (only["neighbourhoods"], only["profiles_complete"]) == (2, 1)
    assert only["active_groups"] == {"neighbourhood_watch": 2}  # no force-wide IAG
    longer = await activity_client.get(
        "/api/v1/areas/BRS-01/summary", params={"on": "2022-09-30", "priority_months": 6}
    )
    assert longer.json()["days"][0]["priorities_current"] == 1


async def test_summary_requests_are_checked(activity_client: httpx.AsyncClient) -> None:
    assert_problem(await activity_client.get("/api/v1/areas/NOPE/summary?on=2022-09-30"), 404)
    assert_problem(await activity_client.get("/api/v1/areas/BRS/summary"), 422, "query.on")
    assert_problem(
        await activity_client.get("/api/v1/areas/BRS/summary?on=2022-02-30"), 422, "query.on.0"
    )
    assert_problem(
        await activity_client.get("/api/v1/areas/BRS/summary?on=2022-09-30&priority_months=0"),
        422,
        "query.priority_months",
    )


def test_months_before_keeps_to_the_months_end() -> None:
    from datetime import date

    assert months_before(date(2022, 5, 31), 3) == date(2022, 2, 28)
    assert months_before(date(2022, 9, 15), 3) == date(2022, 6, 15)
    assert months_before(date(2022, 1, 31), 1) == date(2021, 12, 31)


def test_a_priority_is_current_after_since_and_by_the_day() -> None:
    from datetime import date, timedelta

    since, on = date(2022, 6, 15), date(2022, 9, 15)
    for dates, current in [
        ([], False),
        ([since], False),  # on `since` itself: not after it
        ([since, on], True),  # on the day itself: by it
        ([date(2022, 1, 1), on + timedelta(days=1)], False),  # before and after, none within
        ([date(2022, 1, 1), since + timedelta(days=1), date(2023, 1, 1)], True),
    ]:
        assert priorities_current(dates, since, on) is current, dates
        brute = any(since < day <= on for day in dates)
        assert brute is current, dates
