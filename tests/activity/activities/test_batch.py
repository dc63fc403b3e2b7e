"""Batches from phones that were offline: per-item outcomes, nothing stored twice."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import assert_problem
from tests.support.factories import activity_payload, batch_item


async def _all(client: httpx.AsyncClient) -> list[dict[str, object]]:
    return (await client.get("/api/v1/activities", params={"limit": 500})).json()["items"]


async def test_mixed_batch_stores_the_valid_items_and_reports_each(
    activity_client: httpx.AsyncClient,
) -> None:
    existing = batch_item()
    assert (await activity_client.post("/api/v1/activities", json=existing)).status_code == 201
    clash = {**existing, "title": "Different body, same id"}
    good = [batch_item(topics=["drugs", "asb"]) for _ in range(3)]
    items = [
        good[0],
        batch_item(area="ATLANTIS"),
        existing,
        good[1],
        clash,
        {**batch_item(), "ends_at": "2001-01-01T00:00:00Z"},
        activity_payload(),  # no id
        "not an object",
        good[2],
        good[0],  # repeated inside the batch
    ]
    response = await activity_client.post("/api/v1/activities/batch", json={"items": items})
    assert response.status_code == 200, response.text
    body = response.json()
    outcomes = [(i["index"], i["outcome"]) for i in body["items"]]
    assert outcomes == [
        (0, "created"),
        (1, "invalid"),
        (2, "replayed"),
        (3, "created"),
        (4, "conflict"),
        (5, "invalid"),
        (6, "invalid"),
        (7, "invalid"),
        (8, "created"),
        (9, "replayed"),
    ]
    assert (body["created"], body["replayed"], body["conflict"], body["invalid"]) == (3, 2, 1, 4)
    problems = {i["index"]: i["problem"] for i in body["items"] if i["problem"]}
    assert problems[1]["errors"][0]["field"] == "body.items.1.area"
    assert problems[5]["errors"][0]["field"] == "body.items.5.ends_at"
    assert problems[6]["errors"][0]["field"] == "body.items.6.id"
    assert problems[7]["errors"][0]["field"] == "body.items.7"
    assert problems[4]["status"] == 409
    stored = {i["id"] for i in await _all(activity_client)}
    assert stored == {existing["id"], *(g["id"] for g in good)}
    # Topics and actions of batch items are indexed like single posts.
    drugs = await activity_client.get("/api/v1/activities", params={"topic": "drugs"})
    assert {i["id"] for i in drugs.json()["items"]} == {g["id"] for g in good}


async def test_resending_a_batch_stores_nothing_twice(activity_client: httpx.AsyncClient) -> None:
    items = [
        batch_item(actions=[{"issue": "Parking on the verge", "due_on": "2022-10-01"}])
        for _ in range(25)
    ]
    first = await activity_client.post("/api/v1/activities/batch", json={"items": items})
    again = await activity_client.post("/api/v1/activities/batch", json={"items": items})
    assert first.json()["created"] == 25
    assert again.json()["replayed"] == 25
    assert again.json()["created"] == 0
    assert len(await _all(activity_client)) == 25
    actions = await activity_client.get("/api/v1/actions", params={"limit": 500})
    assert len(actions.json()["items"]) == 25
    # A single POST of an item already sent in a batch is a replay too.
    single = await activity_client.post("/api/v1/activities", json=items[0])
    assert single.status_code == 201
    assert single.headers["idempotent-replayed"] == "true"


async def test_more_than_500_items_is_refused_whole(activity_client: httpx.AsyncClient) -> None:
    items = [batch_item() for _ in range(501)]
    response = await activity_client.post("/api/v1/activities/batch", json={"items": items})
    assert_problem(response, 422, "body.items")
    assert await _all(activity_client) == []


async def test_500_items_are_accepted(activity_client: httpx.AsyncClient) -> None:
    items = [batch_item(notes="n" * 200) for _ in range(500)]
    response = await activity_client.post("/api/v1/activities/batch", json={"items": items})
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 500


async def test_batch_envelope_errors(activity_client: httpx.AsyncClient) -> None:
    assert_problem(
        await activity_client.post("/api/v1/activities/batch", json=[batch_item()]), 422, "body"
    )
    assert_problem(
        await activity_client.post("/api/v1/activities/batch", json={"items": [], "x": 1}),
        422,
        "body.x",
    )
    malformed = await activity_client.post(
        "/api/v1/activities/batch",
        content=b'{"items": [',
        headers={"content-type": "application/json"},
    )
    problem = assert_problem(malformed, 422, "body")
    assert [e["field"] for e in problem["errors"]] == ["body"]
    assert "character 11" in problem["errors"][0]["message"]


async def test_unknown_plan_in_a_batch_is_invalid(activity_client: httpx.AsyncClient) -> None:
    item = batch_item(plan_id=str(uuid.uuid4()))
    response = await activity_client.post("/api/v1/activities/batch", json={"items": [item]})
    result = response.json()["items"][0]
    assert result["outcome"] == "invalid"
    assert result["problem"]["errors"][0]["field"] == "body.items.0.plan_id"


async def test_a_batch_stores_the_same_rows_as_single_creates(
    activity_client: httpx.AsyncClient,
) -> None:
    # PostgreSQL takes batch rows apart from the bodies in SQL; single creates (and SQLite)
    # build them in Python. Every stored column must come out the same either way.
    from sqlalchemy import select

    from services.activity.activities.models import Activity

    payloads = [
        activity_payload(
            starts_at="2022-10-30T00:30:00+01:00",  # the night the clocks go back
            ends_at="2022-10-30T02:00:00Z",
            location={"latitude": 51.4545, "longitude": -2.5879, "venue": " Community centre "},
            audience={"groups": ["Residents association"], "attendees": 23, "young_people": 2},
            outcome={
                "contributions": 4,
                "issues_raised": ["Parking", "Speeding"],
                "community_feedback": "Residents raised parking",
                "closing_report": "Agreed a speed watch",
                "sentiment": "mixed",
            },
            debrief={"what_worked": "Evening slot", "lessons": "Bring leaflets"},
            notes="Speeding on the main road",
            topics=["road_safety", "asb", "road_safety"],
            intel_submitted=2,
            source="mobile",
        ),
        activity_payload(
            activity_type="school_engagement",
            school={"name": "Easton Primary", "urn": "123456", "key_stages": ["ks2", "ks1"]},
            purpose=None,
            topics=[],
            notes="",
        ),
        activity_payload(location={"venue": "Library"}, audience={"attendees": 0}),
    ]
    singles = [await activity_client.post("/api/v1/activities", json=p) for p in payloads]
    assert [r.status_code for r in singles] == [201] * len(payloads), singles[-1].text
    batch = await activity_client.post(
        "/api/v1/activities/batch",
        json={"items": [{**p, "id": str(uuid.uuid4())} for p in payloads]},
    )
    assert batch.json()["created"] == len(payloads), batch.text
    batch_ids = [item["id"] for item in batch.json()["items"]]

    db = activity_client.app.state.db  # type: ignore[attr-defined]
    async with db.read_sessions() as session:
        rows = {
            str(row.id): row._asdict()
            for row in await session.execute(select(Activity.__table__))  # type: ignore[attr-defined]
        }
    volatile = {"id", "request_hash", "created_at", "updated_at"}
    for single, batch_id in zip(singles, batch_ids, strict=True):
        stored_single = {k: v for k, v in rows[single.json()["id"]].items() if k not in volatile}
        stored_batch = {k: v for k, v in rows[batch_id].items() if k not in volatile}
        assert stored_batch == stored_single
        read = (await activity_client.get(f"/api/v1/activities/{batch_id}")).json()
        assert {k: v for k, v in read.items() if k not in volatile} == {
            k: v for k, v in single.json().items() if k not in volatile
        }


async def test_every_stored_item_carries_its_etag(activity_client: httpx.AsyncClient) -> None:
    first, second = batch_item(), batch_item()
    taken = batch_item()
    stored = await activity_client.post("/api/v1/activities", json=taken)
    assert stored.status_code == 201, stored.text
    other_body = {**taken, "title": "Another body under a taken id"}
    items = [first, second, first, other_body, batch_item(area="NOWHERE")]
    response = await activity_client.post("/api/v1/activities/batch", json={"items": items})
    assert response.status_code == 200, response.text
    results = response.json()["items"]
    assert [r["outcome"] for r in results] == [
        "created",
        "created",
        "replayed",
        "conflict",
        "invalid",
    ]
    for result in results[:3]:
        fetched = await activity_client.get(f"/api/v1/activities/{result['id']}")
        assert result["etag"] == fetched.headers["etag"]
    assert results[3]["etag"] == stored.headers["etag"]
    assert results[4]["etag"] is None
    assert results[4]["problem"]["status"] == 422
    # A resend: every item replayed, each with the same ETag as before.
    again = await activity_client.post("/api/v1/activities/batch", json={"items": items[:3]})
    assert [r["etag"] for r in again.json()["items"]] == [r["etag"] for r in results[:3]]


async def test_the_schema_says_a_batch_item_needs_an_id(activity_client: httpx.AsyncClient) -> None:
    doc = (await activity_client.get("/openapi.json")).json()
    body = doc["paths"]["/api/v1/activities/batch"]["post"]["requestBody"]
    item = body["content"]["application/json"]["schema"]["properties"]["items"]["items"]
    assert "id" in item["required"]
    assert item["properties"]["id"]["format"] == "uuid"
    results = doc["components"]["schemas"]["BatchItemResult"]["properties"]
    assert "ETag" in results["etag"]["description"]
