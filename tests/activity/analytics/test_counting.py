"""Counting: aggregates checked against sums computed here from what the test posted."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.contracts.activity import AggregateResponse
from tests.conftest import assert_problem
from tests.support.factories import NEIGHBOURHOODS, batch_item

LONDON = ZoneInfo("Europe/London")
DIRECTORATES = ["neighbourhood_partnerships", "fraud_cyber_protect", "citizens_in_policing"]
TYPES = ["pact_meeting", "beat_surgery", "school_engagement"]
TOPICS = ["asb", "drugs", "fraud"]
CLASSIFICATIONS = ["engagement", "interaction", "communication"]


def _items(rng: random.Random, n: int) -> list[dict[str, Any]]:
    items = []
    # Around the clock change and year ends, where UTC and local months differ.
    anchors = [
        datetime(2022, 3, 31, 23, 30, tzinfo=UTC),  # local 1 April (BST)
        datetime(2022, 6, 30, 23, 15, tzinfo=UTC),  # local 1 July: Q2 -> Q3
        datetime(2022, 12, 31, 23, 59, tzinfo=UTC),  # local 31 December (GMT)
        datetime(2022, 9, 15, 10, tzinfo=UTC),
    ]
    for _ in range(n):
        starts = rng.choice(anchors) + timedelta(days=rng.randint(-20, 20) * rng.choice([0, 1]))
        attendees = rng.choice([None, rng.randint(0, 50)])
        audience: dict[str, Any] = {}
        if attendees is not None:
            audience = {"attendees": attendees, "young_people": rng.randint(0, attendees)}
        items.append(
            batch_item(
                starts_at=starts.isoformat(),
                ends_at=None,
                status=rng.choice(["completed", "completed", "planned", "cancelled"]),
                area=rng.choice(list(NEIGHBOURHOODS)),
                directorate=rng.choice(DIRECTORATES),
                activity_type=rng.choice(TYPES),
                topics=rng.sample(TOPICS, rng.randint(0, 2)),
                audience=audience or None,
            )
        )
    return items


def _period(starts_at: str, period: str) -> str:
    local = datetime.fromisoformat(starts_at).astimezone(LONDON)
    if period == "month":
        return f"{local.year}-{local.month:02d}"
    if period == "quarter":
        return f"{local.year}-Q{(local.month + 2) // 3}"
    return str(local.year)


def _local_date(starts_at: str) -> date:
    return datetime.fromisoformat(starts_at).astimezone(LONDON).date()


def _expected(
    items: list[dict[str, Any]],
    group_by: list[str],
    period: str,
    status: str = "completed",
    districts: dict[str, str] = NEIGHBOURHOODS,
) -> dict[tuple[Any, ...], list[int]]:
    out: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for item in items:
        if item["status"] != status:
            continue
        audience = item.get("audience") or {}
        values = {
            "period": [_period(item["starts_at"], period)],
            "district": [districts[item["area"]]],
            "area": [item["area"]],
            "directorate": [item["directorate"]],
            "activity_type": [item["activity_type"]],
            "classification": [item["classification"]],
            "topic": sorted(set(item["topics"])) or [None],
        }
        keys: list[tuple[Any, ...]] = [()]
        for dimension in group_by:
            keys = [(*k, v) for k in keys for v in values[dimension]]
        for key in keys:
            out[key][0] += 1
            out[key][1] += audience.get("attendees") or 0
            out[key][2] += audience.get("young_people") or 0
    return dict(out)


def _actual(body: dict[str, Any], group_by: list[str]) -> dict[tuple[Any, ...], list[int]]:
    AggregateResponse.model_validate(body)  # the contract the KPI service reads
    return {
        tuple(row[d] for d in group_by): [row["activities"], row["attendees"], row["young_people"]]
        for row in body["rows"]
    }


async def _load(client: httpx.AsyncClient, items: list[dict[str, Any]]) -> None:
    response = await client.post("/api/v1/activities/batch", json={"items": items})
    assert response.json()["created"] == len(items), response.text


async def test_aggregates_match_independent_sums(activity_client: httpx.AsyncClient) -> None:
    items = _items(random.Random(7), 240)
    await _load(activity_client, items)
    cases = [
        (["period"], "month"),
        (["period"], "quarter"),
        (["period"], "year"),
        (["district", "period"], "quarter"),
        (["area"], "month"),
        (["directorate", "activity_type"], "month"),
        (["topic"], "month"),
        (["period", "topic", "district"], "month"),
        (["topic", "period"], "quarter"),
        (["period", "classification"], "year"),
    ]
    for group_by, period in cases:
        response = await activity_client.get(
            "/api/v1/activities/aggregate", params={"group_by": group_by, "period": period}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert _actual(body, group_by) == _expected(items, group_by, period), (group_by, period)
        completed = [i for i in items if i["status"] == "completed"]
        assert body["totals"]["activities"] == len(completed)
    planned = await activity_client.get(
        "/api/v1/activities/aggregate", params={"group_by": "district", "status": "planned"}
    )
    assert _actual(planned.json(), ["district"]) == _expected(
        items, ["district"], "month", status="planned"
    )


def _within(items: list[dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
    lo = date.fromisoformat(params.get("from", "1900-01-01"))
    hi = date.fromisoformat(params.get("to", "2999-12-31"))
    return [i for i in items if lo <= _local_date(i["starts_at"]) <= hi]


# Local-date ranges that start or end inside a month, span whole months, stay inside one
# month, are open at either end, or start on the day the clocks go back.
RANGES = [
    {"from": "2022-03-25", "to": "2022-07-05"},
    {"from": "2022-04-01", "to": "2022-06-30"},
    {"from": "2022-09-10", "to": "2022-09-20"},
    {"from": "2022-06-15", "to": "2022-07-14"},
    {"from": "2022-12-31"},
    {"from": "2022-07-01"},
    {"to": "2022-04-01"},
    {"to": "2022-09-30"},
    {"from": "2022-10-30", "to": "2023-01-01"},
    {},
]
RANGE_GROUPINGS = [(["district", "period"], "month"), (["period"], "quarter"), (["area"], "year")]


async def _assert_counts(
    client: httpx.AsyncClient,
    items: list[dict[str, Any]],
    districts: dict[str, str] = NEIGHBOURHOODS,
) -> None:
    for params in RANGES:
        for group_by, period in RANGE_GROUPINGS:
            response = await client.get(
                "/api/v1/activities/aggregate",
                params={**params, "group_by": group_by, "period": period},
            )
            assert response.status_code == 200, response.text
            within = _within(items, params)
            body = response.json()
            expected = _expected(within, group_by, period, districts=districts)
            assert _actual(body, group_by) == expected, (params, group_by, period)
            totals = _expected(within, [], period).get((), [0, 0, 0])
            assert [body["totals"][k] for k in ("activities", "attendees", "young_people")] == (
                totals
            )


async def test_aggregates_over_ranges_that_cut_months(activity_client: httpx.AsyncClient) -> None:
    items = _items(random.Random(5), 300)
    await _load(activity_client, items)
    await _assert_counts(activity_client, items)
    cut = {"from": "2022-03-25", "to": "2022-07-05", "directorate": DIRECTORATES[1]}
    response = await activity_client.get(
        "/api/v1/activities/aggregate", params={**cut, "group_by": "area"}
    )
    subset = [i for i in _within(items, cut) if i["directorate"] == DIRECTORATES[1]]
    assert _actual(response.json(), ["area"]) == _expected(subset, ["area"], "month")


async def test_counts_follow_every_change(activity_client: httpx.AsyncClient, backend: str) -> None:
    """Creates, amendments, deletes and area moves, before and after the counts are folded."""
    from services.activity.housekeeping import fold_once

    db = activity_client.app.state.db  # type: ignore[attr-defined]
    rng = random.Random(13)
    items = _items(rng, 80)
    await _load(activity_client, items[:60])
    for item in items[60:]:  # single creates take the one-statement path
        created = await activity_client.post("/api/v1/activities", json=item)
        assert created.status_code == 201, created.text
    await _assert_counts(activity_client, items)
    folded = await fold_once(db)
    assert (folded > 0) if backend == "postgresql" else (folded == 0)
    await _assert_counts(activity_client, items)

    async def amend(item: dict[str, Any], patch: dict[str, Any]) -> None:
        url = f"/api/v1/activities/{item['id']}"
        etag = (await activity_client.get(url)).headers["etag"]
        changed = await activity_client.patch(
            url,
            json=patch,
            headers={"content-type": "application/merge-patch+json", "If-Match": etag},
        )
        assert changed.status_code == 200, changed.text
        item.update(patch)

    completed = [i for i in items if i["status"] == "completed"]
    await amend(completed[0], {"area": "NSM-02"})
    await amend(completed[1], {"status": "cancelled"})
    await amend(completed[2], {"audience": {"attendees": 41, "young_people": 3}})
    await amend(completed[3], {"activity_type": "beat_surgery", "directorate": "recruitment"})
    await amend(completed[4], {"starts_at": "2022-07-01T09:00:00+01:00"})
    await amend(completed[5], {"notes": "Nothing counted changes"})
    planned = next(i for i in items if i["status"] == "planned")
    await amend(planned, {"status": "completed", "audience": {"attendees": 9, "young_people": 0}})
    await _assert_counts(activity_client, items)
    for item in completed[6:9]:
        url = f"/api/v1/activities/{item['id']}"
        etag = (await activity_client.get(url)).headers["etag"]
        gone = await activity_client.delete(
            url, params={"reason": "Logged twice"}, headers={"If-Match": etag}
        )
        assert gone.status_code == 204, gone.text
        items.remove(item)
    await _assert_counts(activity_client, items)
    await fold_once(db)
    await _assert_counts(activity_client, items)
    moved = await activity_client.patch(
        "/api/v1/areas/BRS-01",
        json={"parent": "NSM"},
        headers={"content-type": "application/merge-patch+json"},
    )
    assert moved.status_code == 200, moved.text
    districts = {**NEIGHBOURHOODS, "BRS-01": "NSM"}
    await _assert_counts(activity_client, items, districts)
    await fold_once(db)
    await _assert_counts(activity_client, items, districts)


async def test_aggregate_filters_and_volunteer_hours(activity_client: httpx.AsyncClient) -> None:
    items = _items(random.Random(11), 120)
    await _load(activity_client, items)
    hours = [("BRS-01", "2022-09", 10.5), ("BRS-02", "2022-09", 4), ("NSM-01", "2022-04", 7)]
    for area, month, value in hours:
        response = await activity_client.post(
            "/api/v1/volunteer-hours",
            json={"role": "special_constable", "month": month, "area": area, "hours": value},
        )
        assert response.status_code == 201
    response = await activity_client.get(
        "/api/v1/activities/aggregate",
        params={
            "group_by": "district,period",
            "period": "month",
            "from": "2022-09-01",
            "to": "2022-09-30",
        },
    )
    body = response.json()
    in_september = [i for i in items if _period(i["starts_at"], "month") == "2022-09"]
    assert _actual(body, ["district", "period"]) == _expected(
        in_september, ["district", "period"], "month"
    ) | (
        {("BRS", "2022-09"): [0, 0, 0]}
        if not any(
            NEIGHBOURHOODS[i["area"]] == "BRS" and i["status"] == "completed" for i in in_september
        )
        else {}
    )
    by_key = {(r["district"], r["period"]): r["volunteer_hours"] for r in body["rows"]}
    assert by_key[("BRS", "2022-09")] == 14.5
    assert body["totals"]["volunteer_hours"] == 14.5
    # Hours are not kept by directorate: not given there.
    by_directorate = await activity_client.get(
        "/api/v1/activities/aggregate", params={"group_by": "directorate"}
    )
    assert {r["volunteer_hours"] for r in by_directorate.json()["rows"]} == {None}
    filtered = await activity_client.get(
        "/api/v1/activities/aggregate",
        params={
            "group_by": "period",
            "period": "year",
            "directorate": "fraud_cyber_protect",
            "topic": "drugs",
        },
    )
    subset = [
        i for i in items if i["directorate"] == "fraud_cyber_protect" and "drugs" in i["topics"]
    ]
    assert _actual(filtered.json(), ["period"]) == _expected(subset, ["period"], "year")
    assert_problem(
        await activity_client.get("/api/v1/activities/aggregate", params={"group_by": "colour"}),
        422,
        "query.group_by.0",
    )
    assert_problem(
        await activity_client.get("/api/v1/activities/aggregate", params={"period": "week"}),
        422,
        "query.period",
    )


async def test_aggregate_by_and_filtered_by_classification(
    activity_client: httpx.AsyncClient,
) -> None:
    rng = random.Random(19)
    items = _items(rng, 150)
    for item in items:
        item["classification"] = rng.choice(CLASSIFICATIONS)
    await _load(activity_client, items)
    for group_by in (["classification"], ["classification", "period"], ["topic", "classification"]):
        response = await activity_client.get(
            "/api/v1/activities/aggregate", params={"group_by": group_by, "period": "quarter"}
        )
        assert response.status_code == 200, response.text
        assert _actual(response.json(), group_by) == _expected(items, group_by, "quarter")
    for classification in CLASSIFICATIONS:
        filtered = await activity_client.get(
            "/api/v1/activities/aggregate",
            params={"group_by": "district", "classification": classification},
        )
        body = filtered.json()
        subset = [i for i in items if i["classification"] == classification]
        assert _actual(body, ["district"]) == _expected(subset, ["district"], "month")
        assert body["filters"]["classification"] == classification
        # Volunteer hours are not kept by classification: not given under that filter.
        assert body["totals"]["volunteer_hours"] is None
    assert_problem(
        await activity_client.get(
            "/api/v1/activities/aggregate", params={"classification": "chat"}
        ),
        422,
        "query.classification",
    )


async def test_deleted_activities_do_not_count(activity_client: httpx.AsyncClient) -> None:
    items = [batch_item(audience={"attendees": 5}) for _ in range(3)]
    await _load(activity_client, items)
    gone = await activity_client.delete(
        f"/api/v1/activities/{items[0]['id']}",
        params={"reason": "duplicate"},
        headers={"If-Match": '"1"'},
    )
    assert gone.status_code == 204
    body = (await activity_client.get("/api/v1/activities/aggregate")).json()
    assert body["totals"]["activities"] == 2
    assert body["totals"]["attendees"] == 10


async def test_overlaps_between_directorates(activity_client: httpx.AsyncClient) -> None:
    monday = date(2022, 10, 3)

    def at(day: int, hour: int = 10) -> str:
        return datetime(2022, 10, 3 + day, hour, tzinfo=UTC).isoformat()

    plan = {"status": "planned", "ends_at": None}
    a = batch_item(**plan, starts_at=at(0), area="BRS-01", directorate="neighbourhood_partnerships")
    b = batch_item(**plan, starts_at=at(4), area="BRS-01", directorate="fraud_cyber_protect")
    same_directorate = batch_item(
        **plan, starts_at=at(2), area="BRS-01", directorate="neighbourhood_partnerships"
    )
    next_week = batch_item(**plan, starts_at=at(7), area="BRS-01", directorate="recruitment")
    venue_1 = batch_item(
        **plan,
        starts_at=at(1),
        area="NSM-01",
        directorate="recruitment",
        location={"venue": "Town Hall"},
    )
    venue_2 = batch_item(
        **plan,
        starts_at=at(3),
        area="NSM-02",
        directorate="citizens_in_policing",
        location={"venue": "town hall"},
    )
    done = batch_item(
        status="completed", starts_at=at(1), ends_at=None, area="BRS-01", directorate="recruitment"
    )
    await _load(activity_client, [a, b, same_directorate, next_week, venue_1, venue_2, done])
    response = await activity_client.get("/api/v1/activities/overlaps")
    assert response.status_code == 200, response.text
    pairs = {
        (o["reason"], frozenset({o["first"]["id"], o["second"]["id"]}), o["week_start"])
        for o in response.json()
    }
    assert pairs == {
        ("same_area", frozenset({a["id"], b["id"]}), monday.isoformat()),
        ("same_area", frozenset({same_directorate["id"], b["id"]}), monday.isoformat()),
        ("same_venue", frozenset({venue_1["id"], venue_2["id"]}), monday.isoformat()),
    }
    only_nsm = await activity_client.get("/api/v1/activities/overlaps", params={"district": "NSM"})
    assert [o["reason"] for o in only_nsm.json()] == ["same_venue"]


async def test_unreconciled_and_overdue_actions(activity_client: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    today = datetime.now(LONDON).date()
    past_planned = batch_item(
        status="planned", starts_at=(now - timedelta(days=3)).isoformat(), ends_at=None
    )
    future_planned = batch_item(
        status="planned", starts_at=(now + timedelta(days=3)).isoformat(), ends_at=None
    )
    past_done = batch_item(
        status="completed", starts_at=(now - timedelta(days=3)).isoformat(), ends_at=None
    )
    past_cancelled = batch_item(
        status="cancelled", starts_at=(now - timedelta(days=2)).isoformat(), ends_at=None
    )
    with_actions = batch_item(
        actions=[
            {"issue": "Overdue one", "due_on": (today - timedelta(days=1)).isoformat()},
            {
                "issue": "Done late",
                "due_on": (today - timedelta(days=5)).isoformat(),
                "done_on": today.isoformat(),
            },
            {"issue": "Not due yet", "due_on": (today + timedelta(days=5)).isoformat()},
            {"issue": "No date"},
        ]
    )
    await _load(
        activity_client, [past_planned, future_planned, past_done, past_cancelled, with_actions]
    )
    unreconciled = await activity_client.get("/api/v1/activities/unreconciled")
    assert [i["id"] for i in unreconciled.json()["items"]] == [past_planned["id"]]
    overdue = await activity_client.get("/api/v1/actions", params={"overdue": "true"})
    body = overdue.json()
    assert [i["issue"] for i in body["items"]] == ["Overdue one"]
    assert body["items"][0]["overdue"] is True
    assert body["items"][0]["activity_id"] == with_actions["id"]
    open_actions = await activity_client.get("/api/v1/actions", params={"open": "true"})
    assert [i["issue"] for i in open_actions.json()["items"]] == [
        "Overdue one",
        "Not due yet",
        "No date",
    ]
    everything: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = (await activity_client.get("/api/v1/actions", params=params)).json()
        everything += [i["issue"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert everything == ["Done late", "Overdue one", "Not due yet", "No date"]


async def test_the_kpi_client_contract_round_trips(activity_client: httpx.AsyncClient) -> None:
    from shared.contracts.activity import AggregateDimension, AggregatePeriod, AggregateQuery

    items = _items(random.Random(3), 60)
    await _load(activity_client, items)
    query = AggregateQuery(
        group_by=[AggregateDimension.district, AggregateDimension.period],
        period=AggregatePeriod.quarter,
        from_=date(2022, 7, 1),
        to=date(2022, 9, 30),
    )
    response = await activity_client.get("/api/v1/activities/aggregate", params=query.params())
    assert response.status_code == 200, response.text
    body = AggregateResponse.model_validate(response.json())
    in_q3 = [i for i in items if _period(i["starts_at"], "quarter") == "2022-Q3"]
    expected = _expected(in_q3, ["district", "period"], "quarter")
    assert {
        (r.district, r.period): [r.activities, r.attendees, r.young_people] for r in body.rows
    } == expected
    assert body.filters["from"] == "2022-07-01"


async def test_counts_stay_exact_while_folds_run_beside_writes(
    activity_client: httpx.AsyncClient,
) -> None:
    from services.activity.housekeeping import fold_once

    db = activity_client.app.state.db  # type: ignore[attr-defined]
    items = _items(random.Random(17), 240)
    pages = [items[i : i + 40] for i in range(0, len(items), 40)]
    writing = True

    async def fold_until_written() -> int:
        folds = 0
        while writing:
            folds += 1
            await fold_once(db)
            await asyncio.sleep(0)
        return folds

    async def write() -> None:
        nonlocal writing
        try:
            await asyncio.gather(*(_load(activity_client, page) for page in pages))
        finally:
            writing = False

    folds, _ = await asyncio.gather(fold_until_written(), write())
    assert folds > 0
    await _assert_counts(activity_client, items)
    await fold_once(db)
    await _assert_counts(activity_client, items)
