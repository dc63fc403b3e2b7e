"""`GET /activities/unreconciled/summary`: the count of the unreconciled list, exact at any
volume, under the same filters and the caller's districts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.factories import batch_item
from tests.support.identity import identity


async def _load(client: httpx.AsyncClient, items: list[dict[str, Any]]) -> None:
    response = await client.post("/api/v1/activities/batch", json={"items": items})
    assert response.json()["created"] == len(items), response.text


async def _listed(client: httpx.AsyncClient, params: dict[str, str]) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        page = await client.get(
            "/api/v1/activities/unreconciled",
            params={**params, "limit": "7", **({"cursor": cursor} if cursor else {})},
        )
        body = page.json()
        ids += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            return ids


async def test_the_count_is_the_lists_length_under_each_filter(
    activity_client: httpx.AsyncClient,
) -> None:
    now = datetime.now(UTC)
    past = (now - timedelta(days=2)).isoformat()
    items = [
        *(
            batch_item(status="planned", starts_at=past, ends_at=None, area="BRS-01")
            for _ in range(9)
        ),
        *(
            batch_item(status="planned", starts_at=past, ends_at=None, area="NSM-01")
            for _ in range(4)
        ),
        # Not unreconciled: in the future, completed, cancelled.
        batch_item(status="planned", starts_at=(now + timedelta(days=2)).isoformat(), ends_at=None),
        batch_item(status="completed", starts_at=past, ends_at=None),
        batch_item(status="cancelled", starts_at=past, ends_at=None),
    ]
    await _load(activity_client, items)
    for params in ({}, {"district": "BRS"}, {"area": "NSM-01"}, {"district": "NOWHERE"}):
        summary = await activity_client.get(
            "/api/v1/activities/unreconciled/summary", params=params
        )
        assert summary.status_code == 200, summary.text
        body = summary.json()
        assert body["unreconciled"] == len(await _listed(activity_client, params))
        assert body["filters"] == params
    counts = {
        key: (
            await activity_client.get("/api/v1/activities/unreconciled/summary", params=p)
        ).json()["unreconciled"]
        for key, p in (("all", {}), ("brs", {"district": "BRS"}), ("nsm", {"area": "NSM-01"}))
    }
    assert counts == {"all": 13, "brs": 9, "nsm": 4}


async def test_a_caller_limited_to_districts_counts_only_theirs(
    activity_client: httpx.AsyncClient,
) -> None:
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    await _load(
        activity_client,
        [
            batch_item(status="planned", starts_at=past, ends_at=None, area="BRS-01"),
            batch_item(status="planned", starts_at=past, ends_at=None, area="NSM-01"),
            batch_item(status="planned", starts_at=past, ends_at=None, area="NSM-01"),
        ],
    )
    limited = await activity_client.get(
        "/api/v1/activities/unreconciled/summary",
        headers=identity(["activity:read"], districts=["NSM"]),
    )
    assert limited.status_code == 200, limited.text
    assert limited.json()["unreconciled"] == 2
    force = await activity_client.get("/api/v1/activities/unreconciled/summary")
    assert force.json()["unreconciled"] == 3
