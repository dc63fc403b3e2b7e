"""The audit trail through real processes: every write and export leaves a record (who, what,
which records or filters, when, request id, outcome), merged across services at
`GET /api/v1/admin/audit` with filters and cursor pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import assert_problem
from tests.gateway.test_access_keys import as_key, make_key
from tests.support.factories import activity_payload, measurement_payload

AUDIT = "/api/v1/admin/audit"


async def records(gateway: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await gateway.get(AUDIT, params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_writes_and_exports_leave_records(gateway: httpx.AsyncClient) -> None:
    created_key = await make_key(gateway, scopes=["activity:read", "activity:write"])
    caller = as_key(created_key)
    actor = f"key:{created_key['id']}"
    request_id = f"audit-{uuid.uuid4().hex[:10]}"
    created = await gateway.post(
        "/api/v1/activities",
        json=activity_payload(area="NSM-02"),
        headers={**caller, "X-Request-ID": request_id},
    )
    assert created.status_code == 201
    refused = await gateway.post(
        "/api/v1/activities", json=activity_payload(area="NOWHERE"), headers=caller
    )
    assert_problem(refused, 422)
    export = await gateway.get(
        "/api/v1/activities/export.csv", params={"area": "NSM-02"}, headers=caller
    )
    assert export.status_code == 200

    mine = await records(gateway, actor=actor)
    assert [(r["action"], r["outcome"]) for r in mine] == [
        ("GET /api/v1/activities/export.csv", "succeeded"),
        ("POST /api/v1/activities", "failed"),
        ("POST /api/v1/activities", "succeeded"),
    ]
    exported, failed, written = mine
    assert written["service"] == "activity"
    assert written["targets"] == [created.json()["id"]]
    assert written["request_id"] == request_id
    assert failed["status"] == 422
    assert exported["filters"] == {"area": "NSM-02"}
    # Reads other than exports leave none.
    await gateway.get("/api/v1/activities", headers=caller)
    assert len(await records(gateway, actor=actor)) == 3
    # The admin who made the key is on record at the gateway.
    made = await records(gateway, service="gateway", action="POST /api/v1/admin/api-keys")
    assert created_key["id"] in {t for r in made for t in r["targets"] or []}


async def test_records_of_every_service_merge_by_time_in_cursor_pages(
    gateway: httpx.AsyncClient,
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    caller = as_key(await make_key(gateway, scopes=["*"]))  # a gateway record
    for _ in range(3):
        assert (
            await gateway.post("/api/v1/activities", json=activity_payload(), headers=caller)
        ).status_code == 201
        population = await gateway.put(
            "/api/v1/surveys/opcc/population", json={"age_band_sex": []}, headers=caller
        )
        assert population.status_code < 500
    measured = await gateway.post(
        "/api/v1/kpis/measurements", json=measurement_payload(), headers=caller
    )
    assert measured.status_code in (200, 201), measured.text
    window = {"from": started.isoformat()}
    everything = await records(gateway, **window)
    assert {"gateway", "activity", "survey", "kpi"} <= {r["service"] for r in everything}
    kpi_records = await records(gateway, service="kpi", **window)
    assert [r["action"] for r in kpi_records] == ["POST /api/v1/kpis/measurements"]
    order = [(r["at"], r["service"], r["id"]) for r in everything]
    assert order == sorted(order, reverse=True)

    paged: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {**window, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await gateway.get(AUDIT, params=params)).json()
        assert len(page["items"]) <= 2
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [r["id"] for r in paged] == [r["id"] for r in everything]

    only_failed = await records(gateway, outcome="failed", **window)
    assert all(r["outcome"] == "failed" for r in only_failed)
    assert_problem(await gateway.get(AUDIT, params={"cursor": "bogus"}), 422, "query.cursor")
    assert_problem(
        await gateway.get(AUDIT, params={"from": "2022-01-01T00:00:00"}), 422, "query.from"
    )
