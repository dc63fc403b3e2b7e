"""Snapshots: a scorecard exactly as reported, and the difference from today's figures."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import assert_problem

SNAPSHOTS = "/api/v1/kpis/snapshots"


async def test_a_snapshot_keeps_what_was_reported(kpi_client: httpx.AsyncClient) -> None:
    views = {"kpi": "beat_page_views", "period": "2022-09", "value": 1000, "source_ref": "web"}
    await kpi_client.post("/api/v1/kpis/measurements", json=views)
    board = {
        "board": "Directorate Leadership Meeting",
        "reported_on": "2022-10-12",
        "period": "2022-09",
    }
    created = await kpi_client.post(SNAPSHOTS, json=board)
    assert created.status_code == 201, created.text
    snapshot = created.json()
    assert created.headers["location"] == f"{SNAPSHOTS}/{snapshot['id']}"
    assert snapshot["created_by"] == "bootstrap"
    reported = snapshot["scorecard"]
    # Late data and corrections arrive after the board met.
    await kpi_client.post("/api/v1/kpis/measurements", json={**views, "value": 1250})
    late = {
        "kpi": "two_minute_survey_response_rate",
        "period": "2022-09",
        "numerator": 5,
        "denominator": 50,
    }
    await kpi_client.post("/api/v1/kpis/measurements", json=late)

    again = await kpi_client.get(f"{SNAPSHOTS}/{snapshot['id']}")
    assert again.status_code == 200
    assert again.json()["scorecard"] == reported
    # Sent again (the same board, day, period, area): a replay of what was reported.
    resent = await kpi_client.post(SNAPSHOTS, json=board)
    assert resent.status_code == 200, resent.text
    assert resent.json()["id"] == snapshot["id"]
    assert resent.json()["scorecard"] == reported
    assert len((await kpi_client.get(SNAPSHOTS)).json()["items"]) == 1
    assert again.json()["differences"] is None

    compared = (
        await kpi_client.get(f"{SNAPSHOTS}/{snapshot['id']}", params={"compare": "current"})
    ).json()
    assert compared["scorecard"] == reported
    changes = {d["code"]: d for d in compared["differences"] if d["changed"]}
    assert set(changes) == {"beat_page_views", "two_minute_survey_response_rate"}
    assert changes["beat_page_views"]["reported_value"] == 1000
    assert changes["beat_page_views"]["current_value"] == 1250
    assert changes["beat_page_views"]["difference"] == 250
    assert changes["two_minute_survey_response_rate"]["reported_value"] is None
    assert len(compared["differences"]) == 16

    listed = (await kpi_client.get(SNAPSHOTS)).json()
    assert [s["id"] for s in listed["items"]] == [snapshot["id"]]


async def test_snapshot_requests_are_checked(kpi_client: httpx.AsyncClient) -> None:
    assert_problem(
        await kpi_client.post(SNAPSHOTS, json={"board": "", "reported_on": "2022-10-12"}),
        422,
        "body.board",
    )
    assert_problem(
        await kpi_client.post(
            SNAPSHOTS, json={"board": "B", "reported_on": "2022-10-12", "period": "2022-Q9"}
        ),
        422,
        "body.period",
    )
    assert (await kpi_client.get(SNAPSHOTS)).json()["items"] == []
    assert_problem(await kpi_client.get(f"{SNAPSHOTS}/{uuid.uuid4()}"), 404)
    assert_problem(
        await kpi_client.get(f"{SNAPSHOTS}/{uuid.uuid4()}", params={"compare": "x"}), 422
    )
