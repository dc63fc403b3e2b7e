"""The gateway path on real processes: `hub up` on free loopback ports."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import httpx

from tests.conftest import AUTH, assert_problem
from tests.support.factories import activity_payload, batch_item
from tests.support.processes import Suite


async def test_readyz_checks_every_upstream(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"activity": "ok", "survey": "ok", "kpi": "ok"}


async def test_routes_reach_each_service(gateway: httpx.AsyncClient) -> None:
    surveys = await gateway.get("/api/v1/surveys")
    assert surveys.status_code == 200
    assert "opcc" in {s["code"] for s in surveys.json()}
    kpis = await gateway.get("/api/v1/kpis")
    assert kpis.status_code == 200
    assert {"school_engagements", "opcc_informed", "opcc_have_say"} <= {
        k["code"] for k in kpis.json()["items"]
    }
    activities = await gateway.get("/api/v1/activities")
    assert activities.status_code == 200


async def test_post_get_and_idempotent_replay_through_gateway(gateway: httpx.AsyncClient) -> None:
    payload = activity_payload(area="BS-EAST-03")
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = await gateway.post("/api/v1/activities", json=payload, headers=headers)
    assert first.status_code == 201, first.text
    replay = await gateway.post("/api/v1/activities", json=payload, headers=headers)
    assert replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    fetched = await gateway.get(first.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json()["id"] == first.json()["id"]
    assert fetched.headers["etag"] == first.headers["etag"]
    listed = await gateway.get("/api/v1/activities", params={"area": "BS-EAST-03"})
    assert [i["id"] for i in listed.json()["items"]] == [first.json()["id"]]


async def test_problem_bodies_through_gateway(gateway: httpx.AsyncClient) -> None:
    unauthenticated = await gateway.get("/api/v1/activities", headers={"X-API-Key": "wrong"})
    assert_problem(unauthenticated, 401)
    missing = await gateway.get("/api/v1/activities", headers={"X-API-Key": ""})
    assert_problem(missing, 401)
    unknown_route = await gateway.get("/api/v1/no-such-thing")
    assert_problem(unknown_route, 404)
    unknown_activity = await gateway.get(f"/api/v1/activities/{uuid.uuid4()}")
    assert_problem(unknown_activity, 404)
    invalid = await gateway.post(
        "/api/v1/activities", json=activity_payload(directorate="nope", channel=7)
    )
    body = assert_problem(invalid, 422, "body.directorate", "body.channel")
    assert body["instance"] == "/api/v1/activities"


async def test_request_id_is_echoed_and_reaches_the_service(
    gateway: httpx.AsyncClient, suite: Suite
) -> None:
    request_id = f"trace-{uuid.uuid4().hex[:12]}"
    response = await gateway.get(
        "/api/v1/kpis/school_engagements", headers={"X-Request-ID": request_id}
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == request_id
    generated = await gateway.get("/api/v1/kpis")
    assert len(generated.headers["x-request-id"]) >= 16
    # The kpi service logged the same id: it was passed on, not made anew.
    for _ in range(50):
        lines = [line for line in suite.log().splitlines() if request_id in line]
        if any(line.startswith("kpi") for line in lines):
            break
        await asyncio.sleep(0.1)
    service_lines = [line.split("| ", 1)[1] for line in lines if line.startswith("kpi")]
    assert service_lines, lines
    assert json.loads(service_lines[0])["request_id"] == request_id


async def test_service_logs_are_clean_json_lines(suite: Suite) -> None:
    records = [
        json.loads(line.split("| ", 1)[1])
        for line in suite.log().splitlines()
        if "| {" in line  # the supervisor's own plain lines are not service records
    ]
    assert {record["service"] for record in records} >= {"gateway", "activity", "survey", "kpi"}
    for record in records:
        assert {"ts", "level", "service", "logger", "msg"} <= set(record), record
        assert "color_message" not in record, record  # uvicorn's terminal copy of msg


async def test_merged_openapi_and_docs(gateway: httpx.AsyncClient) -> None:
    doc = (await gateway.get("/openapi.json")).json()
    for path in ("/api/v1/activities", "/api/v1/surveys", "/api/v1/kpis"):
        assert path in doc["paths"]
    assert {"ApiKey", "Bearer"} <= set(doc["components"]["securitySchemes"])
    assert not any(p.startswith("/healthz") for p in doc["paths"])
    docs = await gateway.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


async def test_hop_by_hop_headers_are_not_forwarded(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/kpis")
    assert len(response.headers.get_list("date")) == 1
    assert len(response.headers.get_list("server")) <= 1
    assert len(response.headers.get_list("x-request-id")) == 1


async def test_survey_file_upload_streams_through_the_gateway(gateway: httpx.AsyncClient) -> None:
    header = "respondent_id,wave,area,age_band,sex,weight,informed,have_say,seen_officer\r\n"
    rows = "".join(f"gw-{i},2022-Q3,BS1,35-44,female,1,fairly_well,yes,no\r\n" for i in range(200))
    upload = await gateway.post(
        "/api/v1/surveys/opcc/imports",
        files={"file": ("wave.csv", (header + rows).encode(), "text/csv")},
    )
    assert upload.status_code == 202, upload.text
    location = upload.headers["location"]
    for _ in range(200):
        job = (await gateway.get(location)).json()
        if job["state"] in ("done", "failed"):
            break
        await asyncio.sleep(0.05)
    assert job["state"] == "done", job
    assert (job["accepted"], job["inserted"], job["rejected"]) == (200, 200, 0)
    results = await gateway.get(
        "/api/v1/surveys/opcc/questions/informed/results", params={"by": "wave"}
    )
    assert results.status_code == 200, results.text


async def test_large_answers_and_chunked_bodies_pass_through_unchanged(
    gateway: httpx.AsyncClient, seeded_suite: Suite
) -> None:
    # A year no other test logs in, so the export holds only these.
    starts = [
        f"2019-03-{1 + i % 28:02d}T{8 + i % 10:02d}:{i % 60:02d}:00+00:00" for i in range(1500)
    ]
    items = [
        {**batch_item(starts_at=at, ends_at=None), "notes": "=SUM(A1) " + "x" * 200}
        for at in starts
    ]

    async def chunked(body: bytes) -> AsyncIterator[bytes]:
        for i in range(0, len(body), 16_384):  # sent as chunks, no Content-Length
            yield body[i : i + 16_384]

    for page in range(0, len(items), 500):
        body = json.dumps({"items": items[page : page + 500]}).encode()
        response = await gateway.post(
            "/api/v1/activities/batch",
            content=chunked(body),
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["created"] == 500
    params = {"from": "2019-01-01", "to": "2019-12-31"}
    through = await gateway.get("/api/v1/activities/export.csv", params=params)
    direct_url = f"http://127.0.0.1:{seeded_suite.port + 1}"
    async with httpx.AsyncClient(base_url=direct_url, headers=AUTH, timeout=10) as direct:
        straight = await direct.get("/api/v1/activities/export.csv", params=params)
    assert through.status_code == straight.status_code == 200
    assert len(through.content) > 400_000  # streamed in many pieces
    assert through.content == straight.content
    assert through.text.count("\r\n") == 1501
    assert through.headers["content-type"] == straight.headers["content-type"]
