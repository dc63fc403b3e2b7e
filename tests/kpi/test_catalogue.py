"""The KPI catalogue: every KPI of the directorate's table plus the two OPCC questions."""

from __future__ import annotations

import httpx

from tests.conftest import assert_problem

# The measures as worded in the report's table (section 4.2), one KPI each.
REPORT_MEASURES = {
    "% visibility: seen a PC/PCSO in the last month/week",
    "% beat profiles with photos",
    "Beat page usage (priorities up to date)",
    "How many school engagements and type of engagement",
    "Number of hits/likes in response to social media posts",
    "2 minute survey response rate",
    "Public confidence rate",
    "Count of engagements",
    "Number of youth engagement panels/forums",
    "Number of hours provided by CIP volunteers",
    "Active NHW schemes",
    "Active Community Speedwatch schemes",
}


async def test_catalogue_holds_every_kpi_of_the_report(kpi_client: httpx.AsyncClient) -> None:
    response = await kpi_client.get("/api/v1/kpis")
    assert response.status_code == 200
    kpis = response.json()
    assert {k["measure"] for k in kpis} >= REPORT_MEASURES
    codes = [k["code"] for k in kpis]
    assert {"opcc_informed", "opcc_have_say"} <= set(codes)
    assert codes == sorted(codes)
    for kpi in kpis:
        assert kpi["counting_rule"], kpi["code"]
        assert kpi["source"] in {"activity", "survey", "measurement"}
        if kpi["source"] == "survey":
            assert kpi["source_binding"]["survey"] == "opcc"
            assert kpi["unit"] == "percent"


async def test_get_one_kpi_and_filter_by_pillar(kpi_client: httpx.AsyncClient) -> None:
    one = await kpi_client.get("/api/v1/kpis/school_engagements")
    assert one.status_code == 200
    assert one.json()["source_binding"]["activity_type"] == ["school_engagement"]
    response = await kpi_client.get("/api/v1/kpis", params={"pillar": "public_confidence"})
    confidence = response.json()
    assert {k["code"] for k in confidence} == {"opcc_informed", "opcc_have_say"}


async def test_unknown_kpi_is_a_404_problem(kpi_client: httpx.AsyncClient) -> None:
    body = assert_problem(await kpi_client.get("/api/v1/kpis/no_such_kpi"), 404)
    assert "no_such_kpi" in body["detail"]


async def test_reading_needs_credentials(kpi_client: httpx.AsyncClient) -> None:
    assert_problem(await kpi_client.get("/api/v1/kpis", headers={"X-API-Key": ""}), 401)
