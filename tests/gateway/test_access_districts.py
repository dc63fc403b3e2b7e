"""A key limited to districts, through real processes: it sees and changes only records of its
districts (lists, single reads, aggregates, overlaps, exports); another district's record is a
404, never a 403."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import assert_problem
from tests.gateway.test_access_keys import as_key, make_key
from tests.support.factories import activity_payload, batch_item


@pytest.fixture
async def logged(gateway: httpx.AsyncClient) -> dict[str, Any]:
    """Two activities in each of two districts, in a month of a year no other test uses."""
    year = 2000 + uuid.uuid4().int % 15  # a year of its own, so counts are this test's alone
    ids: dict[str, list[str]] = {"BRS": [], "NSM": []}
    for district, area in (("BRS", "BRS-01"), ("BRS", "BRS-02"), ("NSM", "NSM-01")) * 1:
        for day in (3, 10):
            body = activity_payload(
                area=area,
                starts_at=f"{year}-05-{day:02d}T10:00:00+00:00",
                ends_at=f"{year}-05-{day:02d}T11:00:00+00:00",
                audience={"attendees": 10},
            )
            response = await gateway.post("/api/v1/activities", json=body)
            assert response.status_code == 201, response.text
            ids[district].append(response.json()["id"])
    return {"year": year, "ids": ids}


async def test_a_district_limited_key_reads_only_its_districts(
    gateway: httpx.AsyncClient, logged: dict[str, Any]
) -> None:
    year, ids = logged["year"], logged["ids"]
    nsm = as_key(await make_key(gateway, scopes=["activity:read"], districts=["NSM"]))
    window = {"from": f"{year}-05-01", "to": f"{year}-05-31"}

    # By id: its own district's record, and a 404 (not 403) for another's.
    own = await gateway.get(f"/api/v1/activities/{ids['NSM'][0]}", headers=nsm)
    assert own.status_code == 200
    for other in ids["BRS"]:
        assert_problem(await gateway.get(f"/api/v1/activities/{other}", headers=nsm), 404)
        assert_problem(await gateway.get(f"/api/v1/activities/{other}/history", headers=nsm), 404)

    # Lists, even when asking for the other district by name.
    listed = await gateway.get("/api/v1/activities", params=window, headers=nsm)
    assert sorted(i["id"] for i in listed.json()["items"]) == sorted(ids["NSM"])
    asked = await gateway.get(
        "/api/v1/activities", params={**window, "district": "BRS"}, headers=nsm
    )
    assert asked.json()["items"] == []
    everyone = await gateway.get("/api/v1/activities", params=window)
    assert len(everyone.json()["items"]) == 6

    # Aggregates.
    params = {**window, "group_by": "district"}
    mine = (await gateway.get("/api/v1/activities/aggregate", params=params, headers=nsm)).json()
    assert [(r["district"], r["activities"]) for r in mine["rows"]] == [("NSM", 2)]
    assert mine["totals"]["activities"] == 2
    assert mine["totals"]["attendees"] == 20
    force = (await gateway.get("/api/v1/activities/aggregate", params=params)).json()
    assert {r["district"]: r["activities"] for r in force["rows"]} == {"BRS": 4, "NSM": 2}

    # Exports.
    export = await gateway.get("/api/v1/activities/export.csv", params=window, headers=nsm)
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert sorted(r["id"] for r in rows) == sorted(ids["NSM"])
    assert {r["district"] for r in rows} == {"NSM"}


async def test_a_district_limited_key_changes_only_its_districts(
    gateway: httpx.AsyncClient, logged: dict[str, Any]
) -> None:
    ids = logged["ids"]
    nsm = as_key(
        await make_key(gateway, scopes=["activity:read", "activity:write"], districts=["NSM"])
    )
    brs_id = ids["BRS"][0]
    etag = (await gateway.get(f"/api/v1/activities/{brs_id}")).headers["etag"]
    change = {**nsm, "If-Match": etag, "content-type": "application/merge-patch+json"}
    patched = await gateway.patch(
        f"/api/v1/activities/{brs_id}", content=b'{"title": "mine now"}', headers=change
    )
    assert_problem(patched, 404)
    deleted = await gateway.delete(
        f"/api/v1/activities/{brs_id}", params={"reason": "not mine"}, headers=change
    )
    assert_problem(deleted, 404)
    untouched = await gateway.get(f"/api/v1/activities/{brs_id}")
    assert untouched.headers["etag"] == etag

    # Logging against another district's area is as if the area did not exist.
    refused = await gateway.post(
        "/api/v1/activities", json=activity_payload(area="BRS-01"), headers=nsm
    )
    assert assert_problem(refused, 422, "body.area")["errors"][0]["type"] == "unknown_area"
    accepted = await gateway.post(
        "/api/v1/activities", json=activity_payload(area="NSM-02"), headers=nsm
    )
    assert accepted.status_code == 201, accepted.text
    # Moving its own activity into another district is refused too.
    moved = await gateway.patch(
        accepted.headers["location"],
        content=b'{"area": "BRS-02"}',
        headers={
            **nsm,
            "If-Match": accepted.headers["etag"],
            "content-type": "application/merge-patch+json",
        },
    )
    assert_problem(moved, 422, "body.area")

    batch = await gateway.post(
        "/api/v1/activities/batch",
        json={"items": [batch_item(area="NSM-01"), batch_item(area="BRS-02")]},
        headers=nsm,
    )
    assert batch.status_code == 200, batch.text
    outcomes = [item["outcome"] for item in batch.json()["items"]]
    assert outcomes == ["created", "invalid"]
