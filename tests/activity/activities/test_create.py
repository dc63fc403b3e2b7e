"""Logging an activity: create, read back, list, and refusing bad input."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

import shared.db
from services.activity.app import create_app
from services.activity.config import ActivitySettings
from shared.migrations import upgrade
from tests.conftest import assert_problem, client_for
from tests.support.factories import activity_payload, seed_areas


async def test_create_then_get_returns_what_was_stored(activity_client: httpx.AsyncClient) -> None:
    payload = activity_payload(starts_at="2022-09-14T18:30:00+01:00", ends_at=None)
    created = await activity_client.post("/api/v1/activities", json=payload)
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"/api/v1/activities/{body['id']}"
    assert created.headers["etag"] == '"1"'
    # Stored as the UTC instant of the local time sent.
    assert body["starts_at"] == "2022-09-14T17:30:00Z"
    assert body["review_state"] == "received"

    fetched = await activity_client.get(created.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["etag"] == '"1"'


async def test_single_statement_and_transactional_creates_store_the_same(
    activity_client: httpx.AsyncClient,
) -> None:
    # A plain create runs as one statement on the driver; with an Idempotency-Key it takes a
    # transaction through the ORM. What is stored, read back and listed must not differ.
    payload = activity_payload(
        starts_at="2022-09-14T18:30:00+01:00",
        ends_at="2022-09-14T20:00:00+01:00",
        location={"latitude": 51.4545, "longitude": -2.5879, "venue": "Community centre"},
        audience={"groups": ["Residents association"], "attendees": 23, "young_people": 2},
        outcome={"contributions": 4, "community_feedback": "Residents raised parking"},
        notes="Speeding on the main road",
        topics=["asb", "road_safety"],
    )
    plain = await activity_client.post("/api/v1/activities", json=payload)
    keyed = await activity_client.post(
        "/api/v1/activities", json=payload, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert plain.status_code == keyed.status_code == 201, (plain.text, keyed.text)
    volatile = {"id", "created_at", "updated_at"}
    stored = [(await activity_client.get(r.headers["location"])).json() for r in (plain, keyed)]
    assert {k: v for k, v in stored[0].items() if k not in volatile} == {
        k: v for k, v in stored[1].items() if k not in volatile
    }
    assert stored[0] == plain.json()
    assert stored[1] == keyed.json()
    found = await activity_client.get("/api/v1/activities", params={"q": "parking"})
    assert {item["id"] for item in found.json()["items"]} == {s["id"] for s in stored}
    by_topic = await activity_client.get(
        "/api/v1/activities/aggregate", params={"group_by": "topic", "from": "2022-09-01"}
    )
    counts = {row["topic"]: row["activities"] for row in by_topic.json()["rows"]}
    assert counts["asb"] == counts["road_safety"] == 2


async def test_list_pages_newest_first_without_repeats(activity_client: httpx.AsyncClient) -> None:
    ids = set()
    for _ in range(7):
        r = await activity_client.post("/api/v1/activities", json=activity_payload())
        ids.add(r.json()["id"])
    seen: list[str] = []
    starts: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = (await activity_client.get("/api/v1/activities", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        starts += [item["starts_at"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert set(seen) == ids
    assert len(seen) == len(ids)
    assert starts == sorted(starts, reverse=True)


async def test_list_filters_by_area(activity_client: httpx.AsyncClient) -> None:
    await activity_client.post("/api/v1/activities", json=activity_payload(area="NSM-02"))
    await activity_client.post("/api/v1/activities", json=activity_payload(area="BRS-01"))
    page = (await activity_client.get("/api/v1/activities", params={"area": "NSM-02"})).json()
    assert [i["area"] for i in page["items"]] == ["NSM-02"]


async def test_unknown_activity_is_a_404_problem(activity_client: httpx.AsyncClient) -> None:
    response = await activity_client.get(f"/api/v1/activities/{uuid.uuid4()}")
    assert_problem(response, 404)


async def test_missing_credentials_are_a_401_problem(activity_client: httpx.AsyncClient) -> None:
    response = await activity_client.get("/api/v1/activities", headers={"X-API-Key": ""})
    assert_problem(response, 401)
    wrong = await activity_client.get("/api/v1/activities", headers={"X-API-Key": "nope"})
    assert_problem(wrong, 401)
    bearer = await activity_client.get(
        "/api/v1/activities",
        headers={
            "X-API-Key": "",
            "Authorization": f"Bearer {activity_client.headers['x-api-key']}",
        },
    )
    assert bearer.status_code == 200


async def test_bad_input_names_the_field_and_stores_nothing(
    activity_client: httpx.AsyncClient,
) -> None:
    cases = [
        (activity_payload(directorate="parks"), "body.directorate"),
        (activity_payload(ends_at="2022-08-01T00:00:00Z"), "body.ends_at"),
        (activity_payload(area="NOWHERE-9"), "body.area"),
        (activity_payload(area="TESTFORCE"), "body.area"),
        (activity_payload(topics=["asb", "knitting"]), "body.topics.1"),
        (activity_payload(activity_type="picnic"), "body.activity_type"),
        (activity_payload(classification="chat"), "body.classification"),
        (activity_payload(purpose="persuade"), "body.purpose"),
        (
            activity_payload(audience={"attendees": 3, "young_people": 4}),
            "body.audience.young_people",
        ),
        (activity_payload(intel_submitted=-1), "body.intel_submitted"),
        (activity_payload(location={"latitude": 51, "longitude": 181}), "body.location.longitude"),
        (activity_payload(location={"latitude": 51}), "body.location.longitude"),
        (activity_payload(plan_id=str(uuid.uuid4())), "body.plan_id"),
        (activity_payload(notes="x" * 10_001), "body.notes"),
        (
            activity_payload(actions=[{"issue": "Litter", "due_on": "soon"}]),
            "body.actions.0.due_on",
        ),
        (activity_payload(actions=[{"issue": "Litter", "colour": "red"}]), "body.actions.0.colour"),
        (activity_payload(school={"name": "A school", "urn": "12"}), "body.school.urn"),
        (activity_payload(school={"name": "A school", "urn": "123456"}), "body.school"),
        (activity_payload(audience={"attendees": -1}), "body.audience.attendees"),
        (activity_payload(location={"latitude": 91, "longitude": 0}), "body.location.latitude"),
        (activity_payload(colour="blue"), "body.colour"),
        (activity_payload(title="x" * 201), "body.title"),
        (activity_payload(intel_submitted="two"), "body.intel_submitted"),
        (activity_payload(starts_at="2022-09-01T09:00:00"), "body.starts_at"),
    ]
    for payload, field in cases:
        response = await activity_client.post("/api/v1/activities", json=payload)
        assert_problem(response, 422, field)
    malformed = await activity_client.post(
        "/api/v1/activities", content=b'{"title": ', headers={"content-type": "application/json"}
    )
    problem = assert_problem(malformed, 422, "body")
    # The body is what failed; where it broke is told in the message, not in the field.
    assert [e["field"] for e in problem["errors"]] == ["body"]
    assert problem["errors"][0]["type"] == "json_invalid"
    assert "character 10" in problem["errors"][0]["message"]
    wrong_type = await activity_client.post(
        "/api/v1/activities", content=b"title=x", headers={"content-type": "text/plain"}
    )
    assert_problem(wrong_type, 415)
    page = (await activity_client.get("/api/v1/activities")).json()
    assert page["items"] == []


async def test_school_details_only_on_school_engagements(
    activity_client: httpx.AsyncClient,
) -> None:
    school = {"name": "Easton primary", "urn": "123456", "key_stages": ["ks2"]}
    ok = await activity_client.post(
        "/api/v1/activities",
        json=activity_payload(activity_type="school_engagement", school=school),
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["school"] == school
    refused = await activity_client.post(
        "/api/v1/activities", json=activity_payload(activity_type="beat_surgery", school=school)
    )
    problem = assert_problem(refused, 422, "body.school")
    assert "school_engagement" in problem["errors"][0]["message"]
    batch = await activity_client.post(
        "/api/v1/activities/batch",
        json={"items": [activity_payload(id=str(uuid.uuid4()), school=school)]},
    )
    item = batch.json()["items"][0]
    assert item["outcome"] == "invalid"
    assert item["problem"]["errors"][0]["field"] == "body.items.0.school"
    page = (await activity_client.get("/api/v1/activities")).json()
    assert [i["id"] for i in page["items"]] == [ok.json()["id"]]


async def test_oversized_body_is_a_413_problem(activity_client: httpx.AsyncClient) -> None:
    payload = activity_payload(notes="x" * (3 * 1024 * 1024))
    response = await activity_client.post("/api/v1/activities", json=payload)
    assert_problem(response, 413)


async def test_oversized_chunked_body_without_length_is_a_413_problem(
    activity_client: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: sent chunked
        yield b'{"title": "x", "notes": "'
        for _ in range(48):
            yield b"x" * 65536
        yield b'"}'

    response = await activity_client.post(
        "/api/v1/activities", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(response, 413)
    assert (await activity_client.get("/api/v1/activities")).json()["items"] == []


async def test_wrong_method_is_a_405_problem(activity_client: httpx.AsyncClient) -> None:
    response = await activity_client.put("/api/v1/activities", json={})
    assert_problem(response, 405)


async def test_a_plain_create_on_a_locked_sqlite_file_is_a_503_and_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The single-statement path runs on the driver connection, outside SQLAlchemy: a writer of
    # another process holding the file past the busy timeout must still be the same 503, and
    # the connection must be usable (or replaced) afterwards.
    monkeypatch.setattr(shared.db, "SQLITE_BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "activity.db"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade("activity", url)
    app = create_app(ActivitySettings(database_url=url))
    async for client in client_for(app, "http://activity"):
        await seed_areas(client)
        holder = sqlite3.connect(path, isolation_level=None, timeout=0)
        try:
            holder.execute("BEGIN IMMEDIATE")
            locked = await client.post("/api/v1/activities", json=activity_payload())
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert_problem(locked, 503)
        assert locked.headers["retry-after"] == "1"
        assert (await client.get("/api/v1/activities")).json()["items"] == []
        created = await client.post("/api/v1/activities", json=activity_payload())
        assert created.status_code == 201, created.text
        listed = (await client.get("/api/v1/activities")).json()["items"]
        assert [item["id"] for item in listed] == [created.json()["id"]]
