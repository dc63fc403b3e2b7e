"""Offline phones resend: nothing accepted is lost or stored twice."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import assert_problem
from tests.support.factories import activity_payload


async def _count(client: httpx.AsyncClient) -> int:
    page = (await client.get("/api/v1/activities", params={"limit": 500})).json()
    return len(page["items"])


async def test_idempotency_key_replay_returns_the_stored_response(
    activity_client: httpx.AsyncClient,
) -> None:
    payload = activity_payload()
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = await activity_client.post("/api/v1/activities", json=payload, headers=headers)
    again = await activity_client.post("/api/v1/activities", json=payload, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _count(activity_client) == 1


async def test_same_key_with_a_different_body_is_a_422(activity_client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "phone-7-entry-19"}
    payload = activity_payload()
    assert (
        await activity_client.post("/api/v1/activities", json=payload, headers=headers)
    ).status_code == 201
    changed = {**payload, "title": "Something else"}
    response = await activity_client.post("/api/v1/activities", json=changed, headers=headers)
    assert_problem(response, 422)
    assert await _count(activity_client) == 1


async def test_key_order_and_whitespace_do_not_make_a_different_body(
    activity_client: httpx.AsyncClient,
) -> None:
    import json

    payload = activity_payload()
    headers = {"Idempotency-Key": "k-order", "content-type": "application/json"}
    a = json.dumps(payload)
    b = json.dumps(dict(reversed(list(payload.items()))), indent=2)
    r1 = await activity_client.post("/api/v1/activities", content=a, headers=headers)
    r2 = await activity_client.post("/api/v1/activities", content=b, headers=headers)
    assert r1.status_code == r2.status_code == 201
    assert r2.headers["idempotent-replayed"] == "true"


async def test_client_id_resend_returns_stored_and_clash_is_409(
    activity_client: httpx.AsyncClient,
) -> None:
    activity_id = str(uuid.uuid4())
    payload = activity_payload(id=activity_id)
    first = await activity_client.post("/api/v1/activities", json=payload)
    resend = await activity_client.post("/api/v1/activities", json=payload)
    assert first.status_code == 201
    assert resend.status_code == 201
    assert resend.json() == first.json()
    assert resend.headers["idempotent-replayed"] == "true"
    clash = await activity_client.post("/api/v1/activities", json={**payload, "title": "Other"})
    assert_problem(clash, 409)
    assert await _count(activity_client) == 1


async def test_thirty_concurrent_identical_posts_store_one(
    activity_client: httpx.AsyncClient,
) -> None:
    payload = activity_payload()
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    responses = await asyncio.gather(
        *(
            activity_client.post("/api/v1/activities", json=payload, headers=headers)
            for _ in range(30)
        )
    )
    statuses = [r.status_code for r in responses]
    assert all(s in (201, 409) for s in statuses), statuses
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    assert (
        sum(1 for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers)
        == 1
    )
    assert await _count(activity_client) == 1


async def test_thirty_concurrent_posts_with_one_client_id_store_one(
    activity_client: httpx.AsyncClient,
) -> None:
    payload = activity_payload(id=str(uuid.uuid4()))
    responses = await asyncio.gather(
        *(activity_client.post("/api/v1/activities", json=payload) for _ in range(30))
    )
    assert {r.status_code for r in responses} == {201}
    assert {r.json()["id"] for r in responses} == {payload["id"]}
    assert await _count(activity_client) == 1


async def test_a_twin_of_a_request_still_in_flight(
    activity_db_url: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first request is held open inside its transaction, after claiming the key."""
    from services.activity.activities import inserts
    from services.activity.app import create_app
    from services.activity.config import ActivitySettings
    from tests.conftest import client_for
    from tests.support.factories import seed_areas

    entered, release = asyncio.Event(), asyncio.Event()
    insert = inserts.insert_activity_in_area

    async def held_insert(session: Any, values: dict[str, Any]) -> str | None:
        entered.set()
        await release.wait()
        return await insert(session, values)

    app = create_app(
        ActivitySettings(database_url=activity_db_url, idempotency_lock_timeout_ms=200)
    )
    async for client in client_for(app, "http://activity"):
        await seed_areas(client)
        monkeypatch.setattr(inserts, "insert_activity_in_area", held_insert)
        payload = activity_payload()
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        first = asyncio.create_task(
            client.post("/api/v1/activities", json=payload, headers=headers)
        )
        await asyncio.wait_for(entered.wait(), timeout=10)
        twin = asyncio.create_task(client.post("/api/v1/activities", json=payload, headers=headers))
        if backend == "postgresql":
            # The twin waits on the claimed key for the lock timeout, then is told to retry.
            in_flight = await asyncio.wait_for(twin, timeout=10)
            body = assert_problem(in_flight, 409)
            assert in_flight.headers["retry-after"] == "1"
            assert body["type"].endswith("/idempotency-in-flight")
        else:
            # SQLite admits one writer: the twin queues behind the first (never a 409 here)...
            done, _ = await asyncio.wait({twin}, timeout=0.5)
            assert not done
        release.set()
        stored = await asyncio.wait_for(first, timeout=10)
        assert stored.status_code == 201, stored.text
        assert "idempotent-replayed" not in stored.headers
        if backend != "postgresql":
            # ...and, once it is done, is answered with its stored response.
            replayed = await asyncio.wait_for(twin, timeout=10)
            assert replayed.status_code == 201
            assert replayed.headers["idempotent-replayed"] == "true"
            assert replayed.json() == stored.json()
        # A retry after the first finished replays it; one activity was stored.
        retry = await client.post("/api/v1/activities", json=payload, headers=headers)
        assert retry.status_code == 201
        assert retry.headers["idempotent-replayed"] == "true"
        assert retry.json()["id"] == stored.json()["id"]
        assert await _count(client) == 1


async def test_keys_are_scoped_to_the_caller(
    activity_client: httpx.AsyncClient, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from shared.auth import Principal, StaticKeyStore, hash_secret

    app = activity_client.app  # type: ignore[attr-defined]
    store: StaticKeyStore = app.state.key_store
    monkeypatch.setattr(
        store,
        "_by_digest",
        {
            **store._by_digest,
            hash_secret("second-caller-key"): Principal("second", frozenset({"*"})),
        },
    )
    headers = {"Idempotency-Key": "shared-key"}
    one = await activity_client.post("/api/v1/activities", json=activity_payload(), headers=headers)
    other = await activity_client.post(
        "/api/v1/activities",
        json=activity_payload(),
        headers={**headers, "X-API-Key": "second-caller-key"},
    )
    assert one.status_code == other.status_code == 201
    assert one.json()["id"] != other.json()["id"]


async def test_expired_keys_are_forgotten_and_live_ones_kept(
    activity_client: httpx.AsyncClient,
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from services.activity.activities.models import IdempotencyRecord
    from services.activity.housekeeping import purge_once
    from shared.db import utcnow

    db = activity_client.app.state.db  # type: ignore[attr-defined]
    for key in ("old-key", "new-key"):
        response = await activity_client.post(
            "/api/v1/activities", json=activity_payload(), headers={"Idempotency-Key": key}
        )
        assert response.status_code == 201
    async with db.write_sessions() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == "old-key")  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        await session.commit()
    assert await purge_once(db) == 1
    replay = await activity_client.post(
        "/api/v1/activities", json=activity_payload(), headers={"Idempotency-Key": "new-key"}
    )
    assert replay.status_code == 422  # still remembered: a different body is refused


async def test_create_needs_the_write_scope(
    activity_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.auth import Principal, StaticKeyStore, hash_secret

    store: StaticKeyStore = activity_client.app.state.key_store  # type: ignore[attr-defined]
    monkeypatch.setattr(
        store,
        "_by_digest",
        {
            **store._by_digest,
            hash_secret("reader-key"): Principal("reader", frozenset({"activity:read"})),
        },
    )
    response = await activity_client.post(
        "/api/v1/activities", json=activity_payload(), headers={"X-API-Key": "reader-key"}
    )
    assert_problem(response, 403)
    assert await _count(activity_client) == 0


def _hash_as_first_stored(payload: dict[str, Any]) -> str:
    """The body hash as creates were stored before it moved to pydantic's own JSON: SHA-256
    of the validated body dumped to a dict, then to JSON with sorted keys."""
    import hashlib
    import json

    from services.activity.activities.schemas import ActivityCreate

    dumped = ActivityCreate.model_validate(payload).model_dump(mode="json", exclude_unset=True)
    canonical = json.dumps(dumped, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def test_creates_stored_with_the_earlier_body_hash_are_still_recognised(
    activity_client: httpx.AsyncClient,
) -> None:
    from sqlalchemy import update

    from services.activity.activities.models import Activity, IdempotencyRecord

    db = activity_client.app.state.db  # type: ignore[attr-defined]
    by_id = activity_payload(id=str(uuid.uuid4()))
    in_batch = activity_payload(id=str(uuid.uuid4()))
    by_key = activity_payload()
    assert (await activity_client.post("/api/v1/activities", json=by_id)).status_code == 201
    batch = await activity_client.post("/api/v1/activities/batch", json={"items": [in_batch]})
    assert batch.json()["created"] == 1
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await activity_client.post("/api/v1/activities", json=by_key, headers=key)
    assert first.status_code == 201
    async with db.write_sessions() as session:
        for payload in (by_id, in_batch):
            await session.execute(
                update(Activity)
                .where(Activity.id == uuid.UUID(payload["id"]))  # type: ignore[arg-type]
                .values(request_hash=_hash_as_first_stored(payload))
            )
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == key["Idempotency-Key"])  # type: ignore[arg-type]
            .values(request_hash=_hash_as_first_stored(by_key))
        )
        await session.commit()

    resent = await activity_client.post("/api/v1/activities", json=by_id)
    assert resent.status_code == 201
    assert resent.headers["idempotent-replayed"] == "true"
    outcomes = await activity_client.post(
        "/api/v1/activities/batch", json={"items": [in_batch, by_id]}
    )
    assert [i["outcome"] for i in outcomes.json()["items"]] == ["replayed", "replayed"]
    replayed = await activity_client.post("/api/v1/activities", json=by_key, headers=key)
    assert replayed.status_code == 201
    assert replayed.json() == first.json()
    # A different body under the same id or key is still told apart.
    changed = {**by_id, "title": "Another meeting"}
    assert_problem(await activity_client.post("/api/v1/activities", json=changed), 409)
    other = await activity_client.post(
        "/api/v1/activities", json={**by_key, "title": "Another meeting"}, headers=key
    )
    assert_problem(other, 422)
    assert await _count(activity_client) == 3


def test_the_idempotency_check_of_a_key_already_taken() -> None:
    """`activities.idempotency.replay_of` on its own: a finished first request with the same
    body is replayed; one still running is a 409; another body is a 422."""
    from datetime import timedelta

    from services.activity.activities.idempotency import body_hash_of, replay_of
    from services.activity.activities.models import IdempotencyRecord
    from services.activity.activities.schemas import ActivityCreate
    from shared.db import utcnow
    from shared.problems import ProblemError

    payload = ActivityCreate.model_validate(activity_payload())
    body_hash = body_hash_of(payload)
    now = utcnow()

    def record(status_code: int) -> IdempotencyRecord:
        return IdempotencyRecord(
            principal_id="caller",
            key="k",
            method="POST",
            path="/api/v1/activities",
            request_hash=body_hash,
            status_code=status_code,
            response_body='{"id": "x"}',
            response_headers={"Location": "/api/v1/activities/x"},
            created_at=now,
            expires_at=now + timedelta(hours=48),
        )

    replay = replay_of(record(201), body_hash, payload)
    assert (replay.status_code, replay.body, replay.replayed) == (201, '{"id": "x"}', True)
    assert replay.headers == {"Location": "/api/v1/activities/x", "Idempotent-Replayed": "true"}
    for running in (None, record(0)):
        with pytest.raises(ProblemError) as in_flight:
            replay_of(running, body_hash, payload)
        assert in_flight.value.status == 409
    other = ActivityCreate.model_validate(activity_payload(title="Another title"))
    with pytest.raises(ProblemError) as reused:
        replay_of(record(201), body_hash_of(other), other)
    assert reused.value.status == 422
