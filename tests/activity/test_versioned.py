"""The flow every registry shares: ETags, If-Match, merge patches, new versions."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import assert_problem

MERGE = {"content-type": "application/merge-patch+json"}

REGISTRY_RECORDS = [
    # (collection, body to create, a field to change, its new value, a free-text field)
    (
        "/api/v1/areas",
        {"code": "BRS-09", "name": "Ninth", "kind": "neighbourhood", "parent": "BRS"},
        "name",
        "Ninth renamed",
        "description",
    ),
    (
        "/api/v1/community-groups",
        {"name": "Watch north", "group_type": "neighbourhood_watch", "area": "NSM-01"},
        "name",
        "Watch north east",
        "notes",
    ),
    (
        "/api/v1/plans",
        {"kind": "strategy", "title": "Plan", "starts_on": "2022-04-01", "ends_on": "2023-03-31"},
        "title",
        "Plan, revised",
        "notes",
    ),
    (
        "/api/v1/volunteer-hours",
        {"role": "cadet", "month": "2022-09", "area": "BRS-01", "hours": 5},
        "hours",
        7.5,
        "notes",
    ),
]


async def test_registry_records_carry_an_etag_and_refuse_a_stale_if_match(
    activity_client: httpx.AsyncClient,
) -> None:
    for collection, body, field, value, text in REGISTRY_RECORDS:
        created = await activity_client.post(collection, json=body)
        assert created.status_code == 201, created.text
        assert created.headers["etag"] == '"1"'
        url = created.headers["location"]
        read = await activity_client.get(url)
        assert read.headers["etag"] == '"1"'
        stale = await activity_client.patch(
            url, json={field: value}, headers={**MERGE, "If-Match": '"7"'}
        )
        assert_problem(stale, 412)
        assert stale.headers["etag"] == '"1"'
        unchanged = await activity_client.get(url)
        assert (unchanged.json()[field], unchanged.headers["etag"]) == (read.json()[field], '"1"')
        changed = await activity_client.patch(
            url, json={field: value}, headers={**MERGE, "If-Match": '"1"'}
        )
        assert changed.status_code == 200, changed.text
        assert (changed.json()[field], changed.headers["etag"]) == (value, '"2"')
        # Optional on registries: without it the change applies to what is current.
        blind = await activity_client.patch(url, json={text: "checked"}, headers=MERGE)
        assert blind.status_code == 200, blind.text
        assert blind.headers["etag"] == '"3"'
        # Two editors who read the same version: one change lands, the other is told.
        racing = await asyncio.gather(
            *(
                activity_client.patch(
                    url, json={text: f"editor {n}"}, headers={**MERGE, "If-Match": '"3"'}
                )
                for n in (1, 2)
            )
        )
        assert sorted(r.status_code for r in racing) == [200, 412], collection
        winner = next(r for r in racing if r.status_code == 200)
        final = await activity_client.get(url)
        assert final.json()[text] == winner.json()[text]
        assert final.headers["etag"] == '"4"'
