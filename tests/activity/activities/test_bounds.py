"""Implausible dates, naive instants and out-of-bounds numbers are a 422 naming the field, and
nothing is stored."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import assert_problem
from tests.support.factories import activity_payload


async def _count(client: httpx.AsyncClient) -> int:
    return len((await client.get("/api/v1/activities", params={"limit": 500})).json()["items"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_at": "1000-01-01T10:00:00Z"}, "body.starts_at"),
        (
            {"starts_at": "2022-09-14T10:00:00Z", "ends_at": "9999-12-31T10:00:00Z"},
            "body.ends_at",
        ),
    ],
)
async def test_an_activity_outside_1900_to_2100_is_refused(
    activity_client: httpx.AsyncClient, overrides: dict[str, str], field: str
) -> None:
    before = await _count(activity_client)
    body = assert_problem(
        await activity_client.post("/api/v1/activities", json=activity_payload(**overrides)),
        422,
        field,
    )
    assert "between 1900-01-01 and 2100-12-31" in body["detail"]
    assert await _count(activity_client) == before


async def test_a_naive_start_is_refused_saying_an_offset_is_required(
    activity_client: httpx.AsyncClient,
) -> None:
    payload = activity_payload(starts_at="2022-09-14T18:30:00")
    body = assert_problem(
        await activity_client.post("/api/v1/activities", json=payload), 422, "body.starts_at"
    )
    assert "offset is required" in body["errors"][0]["message"]
    doc = (await activity_client.get("/openapi.json")).json()
    starts_at = doc["components"]["schemas"]["ActivityCreate"]["properties"]["starts_at"]
    assert "offset is required" in starts_at["description"]
    assert "any offset accepted" not in str(doc)


async def test_a_plan_from_year_1_to_9999_is_refused(activity_client: httpx.AsyncClient) -> None:
    plan = {
        "kind": "strategy",
        "title": "Forever plan",
        "starts_on": "0001-01-01",
        "ends_on": "9999-12-31",
    }
    assert_problem(
        await activity_client.post("/api/v1/plans", json=plan),
        422,
        "body.starts_on",
        "body.ends_on",
    )
    assert (await activity_client.get("/api/v1/plans")).json()["items"] == []


async def test_list_filters_outside_the_range_are_refused(
    activity_client: httpx.AsyncClient,
) -> None:
    response = await activity_client.get("/api/v1/activities", params={"from": "0001-01-01"})
    assert_problem(response, 422, "query.from")
