"""The aggregate's answer as written: the contract model's own JSON, and the same answer when
its SQL is sent again as remembered (`analytics.repository.rows_of`)."""

from __future__ import annotations

import random
from typing import Any

import httpx

from shared.contracts.activity import AggregateResponse
from tests.activity.analytics.test_counting import _items, _load

CASES: list[dict[str, Any]] = [
    {"group_by": "period", "period": "month"},
    {"group_by": "district,period", "period": "quarter", "from": "2022-03-25", "to": "2022-07-05"},
    {"group_by": "topic,period", "period": "year"},
    {"group_by": "period,activity_type", "period": "month", "district": "BRS"},
    {"group_by": "topic", "activity_type": "school_engagement", "from": "2022-07-01"},
    {"group_by": "area", "status": "planned"},
    {"group_by": "directorate", "to": "2022-09-30"},
]


async def _hours(client: httpx.AsyncClient) -> None:
    for area, month, value in [("BRS-01", "2022-09", 10.25), ("NSM-01", "2022-04", 7.1)]:
        response = await client.post(
            "/api/v1/volunteer-hours",
            json={"role": "special_constable", "month": month, "area": area, "hours": value},
        )
        assert response.status_code == 201, response.text


async def test_the_answer_is_the_models_json(activity_client: httpx.AsyncClient) -> None:
    await _load(activity_client, _items(random.Random(3), 150))
    await _hours(activity_client)
    for params in CASES:
        response = await activity_client.get("/api/v1/activities/aggregate", params=params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        model = AggregateResponse.model_validate_json(response.content)
        # Byte for byte what FastAPI writes for the returned model (its `response_model`).
        assert response.content == model.model_dump_json(by_alias=True).encode(), params
        assert model.rows or params.get("status") == "planned", params


async def test_a_repeated_aggregate_counts_what_is_stored_now(
    activity_client: httpx.AsyncClient,
) -> None:
    """The second time a statement runs its remembered SQL: the same answer, and a change
    between the two is counted (the SQL is kept, never the rows)."""
    await _load(activity_client, _items(random.Random(9), 80))
    first = {}
    for params in CASES:
        response = await activity_client.get("/api/v1/activities/aggregate", params=params)
        first[str(params)] = response.content
        again = await activity_client.get("/api/v1/activities/aggregate", params=params)
        assert again.content == response.content, params
    await _load(activity_client, _items(random.Random(10), 40))
    changed = 0
    for params in CASES:
        response = await activity_client.get("/api/v1/activities/aggregate", params=params)
        fresh = await activity_client.get(
            "/api/v1/activities/aggregate", params={**params, "to": "2099-12-31"}
        )
        if "to" not in params:  # the same range written two ways: the same counts
            assert response.json()["rows"] == fresh.json()["rows"], params
        changed += response.content != first[str(params)]
    assert changed >= len(CASES) - 2
