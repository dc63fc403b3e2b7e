"""Managed API keys through real processes: created and listed by admins, limited to scopes
and districts, revoked or expired at once on every gateway replica."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import assert_problem
from tests.support.factories import activity_payload
from tests.support.processes import Gateway, Suite

KEYS = "/api/v1/admin/api-keys"


async def make_key(gateway: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    body = {"name": f"key {uuid.uuid4().hex[:6]}", "scopes": ["activity:read"], **body}
    response = await gateway.post(KEYS, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def as_key(created: dict[str, Any]) -> dict[str, str]:
    return {"X-API-Key": created["key"]}


async def test_a_key_is_shown_once_and_listed_without_its_secret(
    gateway: httpx.AsyncClient,
) -> None:
    created = await make_key(gateway, scopes=["activity:read", "kpi:read"], districts=["NSM"])
    assert created["key"].startswith(created["prefix"])
    assert len(created["key"]) > len(created["prefix"]) + 30
    assert gateway.headers["x-api-key"] not in created["key"]
    listed = await gateway.get(KEYS)
    assert listed.status_code == 200
    mine = [k for k in listed.json() if k["id"] == created["id"]]
    assert mine == [{k: v for k, v in created.items() if k != "key"}]
    assert created["key"] not in listed.text
    assert mine[0]["scopes"] == ["activity:read", "kpi:read"]
    assert mine[0]["districts"] == ["NSM"]
    # The key works, within its scopes.
    assert (await gateway.get("/api/v1/kpis", headers=as_key(created))).status_code == 200


async def test_bad_key_requests_are_problems_that_create_nothing(
    gateway: httpx.AsyncClient,
) -> None:
    before = len((await gateway.get(KEYS)).json())
    unknown = await gateway.post(KEYS, json={"name": "x", "scopes": ["activity:wrote"]})
    assert_problem(unknown, 422, "body.scopes")
    past = await gateway.post(
        KEYS, json={"name": "x", "scopes": ["admin"], "expires_at": "2020-01-01T00:00:00Z"}
    )
    assert_problem(past, 422, "body.expires_at")
    assert_problem(await gateway.post(KEYS, json={"scopes": ["admin"]}), 422, "body.name")
    assert len((await gateway.get(KEYS)).json()) == before
    assert_problem(await gateway.delete(f"{KEYS}/nosuchkey123"), 404)


async def test_admin_routes_need_the_admin_scope(gateway: httpx.AsyncClient) -> None:
    reader = as_key(await make_key(gateway, scopes=["activity:read"]))
    assert_problem(await gateway.get(KEYS, headers=reader), 403)
    assert_problem(
        await gateway.post(KEYS, json={"name": "x", "scopes": ["*"]}, headers=reader), 403
    )
    assert_problem(await gateway.get("/api/v1/admin/audit", headers=reader), 403)
    assert_problem(await gateway.get(KEYS, headers={"X-API-Key": "hub_000000000000_nope"}), 401)
    admin = as_key(await make_key(gateway, scopes=["admin"]))
    assert (await gateway.get(KEYS, headers=admin)).status_code == 200


async def test_the_wrong_scope_is_a_403_problem(gateway: httpx.AsyncClient) -> None:
    reader = as_key(await make_key(gateway, scopes=["activity:read"]))
    write = await gateway.post("/api/v1/activities", json=activity_payload(), headers=reader)
    body = assert_problem(write, 403)
    assert "activity:write" in body["detail"]
    assert_problem(await gateway.get("/api/v1/surveys", headers=reader), 403)
    created = await gateway.post("/api/v1/activities", json=activity_payload())
    review = await gateway.post(
        f"{created.headers['location']}/review",
        json={"decision": "approve"},
        headers={**reader, "If-Match": created.headers["etag"]},
    )
    assert "activity:review" in assert_problem(review, 403)["detail"]
    assert (await gateway.get(created.headers["location"], headers=reader)).status_code == 200


async def test_a_revoked_key_fails_at_once_on_every_replica(
    gateway: httpx.AsyncClient, replica: Gateway
) -> None:
    created = await make_key(gateway, scopes=["kpi:read"])
    async with httpx.AsyncClient(base_url=replica.base_url, timeout=10) as other:
        for client in (gateway, other):  # both replicas know it (and cache it)
            for _ in range(3):
                response = await client.get("/api/v1/kpis", headers=as_key(created))
                assert response.status_code == 200, response.text
        revoked = await gateway.delete(f"{KEYS}/{created['id']}")
        assert revoked.status_code == 204
        # The very next request, on either replica, is refused.
        assert_problem(await other.get("/api/v1/kpis", headers=as_key(created)), 401)
        assert_problem(await gateway.get("/api/v1/kpis", headers=as_key(created)), 401)
        # Revoking again changes nothing; the list says when.
        assert (await gateway.delete(f"{KEYS}/{created['id']}")).status_code == 204
        everything = (await gateway.get(KEYS, params={"include_revoked": "true"})).json()
        assert next(k for k in everything if k["id"] == created["id"])["revoked_at"]
        assert created["id"] not in {k["id"] for k in (await gateway.get(KEYS)).json()}


async def test_an_expired_key_fails_on_every_replica(
    gateway: httpx.AsyncClient, replica: Gateway
) -> None:
    expires = datetime.now(UTC) + timedelta(seconds=2)
    created = await make_key(gateway, scopes=["kpi:read"], expires_at=expires.isoformat())
    async with httpx.AsyncClient(base_url=replica.base_url, timeout=10) as other:
        for client in (gateway, other):
            assert (await client.get("/api/v1/kpis", headers=as_key(created))).status_code == 200
        await asyncio.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.1)
        for client in (gateway, other):
            assert_problem(await client.get("/api/v1/kpis", headers=as_key(created)), 401)


async def test_direct_calls_to_a_service_with_client_credentials_are_401(
    gateway: httpx.AsyncClient, seeded_suite: Suite
) -> None:
    created = await make_key(gateway, scopes=["*"])
    forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZSIsInNjcCI6WyIqIl19.c2lnbmF0dXJl"
    for offset, path in ((1, "/api/v1/activities"), (2, "/api/v1/surveys"), (3, "/api/v1/kpis")):
        url = f"http://127.0.0.1:{seeded_suite.port + offset}{path}"
        async with httpx.AsyncClient(timeout=10) as direct:
            assert_problem(await direct.get(url, headers=as_key(created)), 401)
            assert_problem(await direct.get(url, headers={"X-Hub-Identity": forged}), 401)
            assert_problem(await direct.get(url), 401)
        # The same key through the gateway is fine.
        assert (await gateway.get(path, headers=as_key(created))).status_code == 200


async def test_a_client_cannot_smuggle_an_identity_through_the_gateway(
    gateway: httpx.AsyncClient,
) -> None:
    from shared.auth import IdentitySigner, Principal
    from tests.conftest import TEST_INTERNAL_SECRET

    # Even an identity signed with the real secret is dropped: the gateway forwards its own.
    smuggled = IdentitySigner(TEST_INTERNAL_SECRET).sign(
        Principal("mallory", frozenset({"*"})), None
    )
    reader = as_key(await make_key(gateway, scopes=["kpi:read"]))
    response = await gateway.post(
        "/api/v1/activities",
        json=activity_payload(),
        headers={**reader, "X-Hub-Identity": smuggled},
    )
    assert_problem(response, 403)


async def test_the_admin_routes_are_in_the_merged_openapi(gateway: httpx.AsyncClient) -> None:
    doc = (await gateway.get("/openapi.json")).json()
    assert {"post", "get"} <= set(doc["paths"]["/api/v1/admin/api-keys"])
    assert "delete" in doc["paths"]["/api/v1/admin/api-keys/{key_id}"]
    assert "get" in doc["paths"]["/api/v1/admin/audit"]
    assert "/api/v1/audit" not in doc["paths"]  # the services' own, read by the gateway only
