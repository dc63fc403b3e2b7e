"""`GET /kpis/{code}/series`: the XmR chart over the API."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import assert_problem
from tests.kpi.spc.test_xmr import reference_limits, reference_rules

SERIES = "/api/v1/kpis/beat_page_views/series"
VALUES = [100, 104, 98, 101, 99, 103, 97, 102, 100, 98, 101, 99, 100, 140, 102, 99]


async def _record(client: httpx.AsyncClient, values: list[int], first_year: int = 2021) -> None:
    items = [
        {"kpi": "beat_page_views", "period": f"{first_year + i // 12}-{i % 12 + 1:02d}", "value": v}
        for i, v in enumerate(values)
    ]
    response = await client.post("/api/v1/kpis/measurements", json=items)
    assert response.status_code == 200, response.text


async def test_series_is_the_xmr_chart_of_the_measurements(kpi_client: httpx.AsyncClient) -> None:
    await _record(kpi_client, VALUES)
    await kpi_client.post(
        "/api/v1/kpis/beat_page_views/targets", json={"valid_from": "2021-01-01", "value": 90}
    )
    response = await kpi_client.get(SERIES, params={"from": "2021-01", "to": "2022-04"})
    assert response.status_code == 200, response.text
    series = response.json()
    assert (series["grain"], series["first_period"], series["last_period"]) == (
        "month",
        "2021-01",
        "2022-04",
    )
    assert [p["value"] for p in series["points"]] == VALUES
    mean, mean_mr = reference_limits([float(v) for v in VALUES])
    assert series["mean"] == pytest.approx(mean)
    assert series["upper_limit"] == pytest.approx(mean + 2.66 * mean_mr)
    flagged: dict[str, set[str]] = {c["rule"]: set() for c in series["special_causes"]}
    natures = {}
    for cause in series["special_causes"]:
        flagged[cause["rule"]] |= set(cause["periods"])
        natures[cause["rule"]] = cause["nature"]
    # The spike lifts the mean: the seven ordinary months before it sit below it.
    assert natures == {"outside_limits": "improvement", "shift": "concern"}
    expected = reference_rules([float(v) for v in VALUES])
    periods = [p["period"] for p in series["points"]]
    assert flagged == {
        rule: {periods[i] for i in found} for rule, found in expected.items() if found
    }
    assert "2022-02" in flagged["outside_limits"]
    assert series["points"][13]["moving_range_screened"] is True
    assert series["variation"] == "common_cause"
    assert series["assurance"] == "consistent_pass"
    assert series["warnings"] == []
    assert "3.267" in series["spc_rules"]
    quarters = (
        await kpi_client.get(SERIES, params={"from": "2021", "to": "2022-Q1", "grain": "quarter"})
    ).json()
    assert [p["period"] for p in quarters["points"]][:2] == ["2021-Q1", "2021-Q2"]
    assert quarters["points"][0]["value"] == sum(VALUES[:3])
    assert quarters["points"][0]["target"] == 270  # 90 a month
    assert quarters["warnings"]  # 5 points


async def test_rebasing_at_a_process_change(kpi_client: httpx.AsyncClient) -> None:
    values = [100, 101, 99, 100, 102, 98, 100, 101, 150, 151, 149, 150, 152, 148, 150, 151]
    await _record(kpi_client, values)
    params = {"from": "2021-01", "to": "2022-04"}
    plain = (await kpi_client.get(SERIES, params=params)).json()
    assert len(plain["segments"]) == 1
    assert {c["rule"] for c in plain["special_causes"]} >= {"shift"}
    etag = (await kpi_client.get("/api/v1/kpis/beat_page_views")).headers["etag"]
    patched = await kpi_client.patch(
        "/api/v1/kpis/beat_page_views",
        json={"spc_changes": ["2021-09-01"]},
        headers={"If-Match": etag},
    )
    assert patched.status_code == 200, patched.text
    rebased = (await kpi_client.get(SERIES, params=params)).json()
    assert [s["first_period"] for s in rebased["segments"]] == ["2021-01", "2021-09"]
    assert rebased["segments"][1]["starts_at_change"] == "2021-09-01"
    assert rebased["segments"][1]["mean"] == pytest.approx(sum(values[8:]) / 8)
    assert rebased["special_causes"] == []
    assert len(rebased["warnings"]) == 2


async def test_series_of_a_source_that_is_not_there_is_unavailable(
    kpi_client: httpx.AsyncClient,
) -> None:
    response = await kpi_client.get("/api/v1/kpis/school_engagements/series")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "unavailable"
    assert "activity" in body["reason"]
    assert len(body["points"]) == 24
    survey = (
        await kpi_client.get("/api/v1/kpis/opcc_informed/series", params={"grain": "month"})
    ).json()
    assert survey["grain"] == "quarter"
    assert "survey_quarterly" in {n["code"] for n in survey["notes"]}


async def test_series_parameters_are_checked(kpi_client: httpx.AsyncClient) -> None:
    assert_problem(await kpi_client.get(SERIES, params={"grain": "week"}), 422, "query.grain")
    assert_problem(await kpi_client.get(SERIES, params={"from": "2022-13"}), 422, "query.from")
    assert_problem(
        await kpi_client.get(SERIES, params={"from": "2022-06", "to": "2022-01"}), 422, "query.to"
    )
    assert_problem(
        await kpi_client.get(SERIES, params={"from": "2000-01", "to": "2022-01"}), 422, "query.to"
    )
    assert_problem(await kpi_client.get("/api/v1/kpis/nope/series"), 404)
