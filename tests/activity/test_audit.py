"""The activity service's audit trail (`shared.audit`): a write's record is written in the
write's own transaction, a failed write is recorded as failed, the records are append-only."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.db import Database
from tests.conftest import assert_problem
from tests.support.factories import activity_payload
from tests.support.identity import identity


async def _audit(client: httpx.AsyncClient, **params: str) -> list[dict[str, object]]:
    response = await client.get("/api/v1/audit", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_writes_leave_records_naming_who_what_and_which(
    activity_client: httpx.AsyncClient,
) -> None:
    officer = identity(["activity:read", "activity:write"], caller="key:officer1")
    created = await activity_client.post(
        "/api/v1/activities", json=activity_payload(), headers=officer
    )
    assert created.status_code == 201
    activity_id = created.json()["id"]
    deleted = await activity_client.delete(
        created.headers["location"],
        params={"reason": "logged twice"},
        headers={**officer, "If-Match": created.headers["etag"]},
    )
    assert deleted.status_code == 204
    records = await _audit(activity_client, actor="key:officer1")
    assert [(r["action"], r["targets"], r["outcome"]) for r in records] == [
        ("DELETE /api/v1/activities/{activity_id}", [activity_id], "succeeded"),
        ("POST /api/v1/activities", [activity_id], "succeeded"),
    ]
    assert records[0]["filters"] == {"reason": "logged twice"}


async def test_a_failed_write_is_recorded_and_stores_nothing(
    activity_client: httpx.AsyncClient,
) -> None:
    officer = identity(["activity:write"], caller="key:officer2")
    stale = await activity_client.patch(
        f"/api/v1/activities/{uuid.uuid4()}",
        content=b"{}",
        headers={**officer, "If-Match": '"1"', "content-type": "application/merge-patch+json"},
    )
    assert_problem(stale, 404)
    [record] = await _audit(activity_client, actor="key:officer2")
    assert (record["outcome"], record["status"]) == ("failed", 404)


async def test_a_write_whose_record_cannot_be_kept_is_refused_whole(
    activity_client: httpx.AsyncClient,
) -> None:
    db: Database = activity_client.app.state.db  # type: ignore[attr-defined]
    async with db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE activity_audit RENAME TO activity_audit_away"))
    payload = activity_payload(id=str(uuid.uuid4()))
    try:
        refused = await activity_client.post("/api/v1/activities", json=payload)
        assert refused.status_code >= 500
        assert refused.headers["content-type"].startswith("application/problem+json")
    finally:
        async with db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE activity_audit_away RENAME TO activity_audit"))
    # Nothing was stored without its record: the caller was told, and can send it again.
    assert_problem(await activity_client.get(f"/api/v1/activities/{payload['id']}"), 404)
    again = await activity_client.post("/api/v1/activities", json=payload)
    assert again.status_code == 201


async def test_records_are_append_only(activity_client: httpx.AsyncClient) -> None:
    assert (
        await activity_client.post("/api/v1/activities", json=activity_payload())
    ).status_code == 201
    db: Database = activity_client.app.state.db  # type: ignore[attr-defined]
    kept = await _audit(activity_client)
    for statement in (
        "UPDATE activity_audit SET actor = 'someone else'",
        "DELETE FROM activity_audit",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.engine.begin() as conn:
                await conn.execute(text(statement))
    assert await _audit(activity_client) == kept


async def test_the_audit_records_need_the_admin_scope(activity_client: httpx.AsyncClient) -> None:
    reader = identity(["activity:read", "activity:write"])
    assert_problem(await activity_client.get("/api/v1/audit", headers=reader), 403)
