"""The KPI service's audit trail (`shared.audit`): each write leaves a record naming who and
what, a failed write is recorded as failed, and the records are append-only."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.db import Database
from tests.conftest import assert_problem
from tests.support.factories import measurement_payload
from tests.support.identity import identity

MEASUREMENTS = "/api/v1/kpis/measurements"


async def _audit(client: httpx.AsyncClient, **params: str) -> list[dict[str, object]]:
    response = await client.get("/api/v1/audit", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_a_measurement_write_leaves_a_record(kpi_client: httpx.AsyncClient) -> None:
    analyst = identity(["kpi:read", "kpi:write"], caller="key:analyst1")
    written = await kpi_client.post(
        MEASUREMENTS,
        json=measurement_payload(),
        headers={**analyst, "X-Request-ID": "kpi-audit-1"},
    )
    assert written.status_code in (200, 201), written.text
    assert (await kpi_client.get(MEASUREMENTS, headers=analyst)).status_code == 200
    [record] = await _audit(kpi_client, actor="key:analyst1")  # the read left none
    assert (record["action"], record["outcome"]) == ("POST /api/v1/kpis/measurements", "succeeded")
    assert record["request_id"] == "kpi-audit-1"


async def test_a_refused_write_is_recorded_as_failed(kpi_client: httpx.AsyncClient) -> None:
    analyst = identity(["kpi:write"], caller="key:analyst2")
    refused = await kpi_client.post(
        MEASUREMENTS, json=measurement_payload(value=-1), headers=analyst
    )
    assert_problem(refused, 422)
    [record] = await _audit(kpi_client, actor="key:analyst2")
    assert (record["outcome"], record["status"]) == ("failed", 422)


async def test_records_are_append_only(kpi_client: httpx.AsyncClient) -> None:
    assert (await kpi_client.post(MEASUREMENTS, json=measurement_payload())).status_code < 300
    db: Database = kpi_client.app.state.db  # type: ignore[attr-defined]
    kept = await _audit(kpi_client)
    assert kept
    for statement in ("UPDATE kpi_audit SET actor = 'someone else'", "DELETE FROM kpi_audit"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.engine.begin() as conn:
                await conn.execute(text(statement))
    assert await _audit(kpi_client) == kept


async def test_the_audit_records_need_the_admin_scope(kpi_client: httpx.AsyncClient) -> None:
    reader = identity(["kpi:read", "kpi:write"])
    assert_problem(await kpi_client.get("/api/v1/audit", headers=reader), 403)
