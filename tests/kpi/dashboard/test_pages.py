"""Dashboard pages on data made in the tests: figures, filters as plain forms, CSV downloads."""

from __future__ import annotations

import csv
import io

import httpx

from tests.conftest import TEST_API_KEY


async def test_survey_page_with_intervals_and_significance_marks(
    signed_in: httpx.AsyncClient,
) -> None:
    client = signed_in
    page = await client.get("/dashboard/survey", params={"question": "have_say"})
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["content-security-policy"]
    text = page.text
    assert "<script" not in text
    assert '<select id="question" name="question">' in text
    assert "<svg" in text
    # 2022-Q3: 45.0% answered yes, a significant rise from 30.0%.
    assert "45.0 (40.7 to 49.4) ▲ significant rise" in text
    download = await client.get(
        "/dashboard/survey", params={"question": "have_say", "download": "survey-have_say"}
    )
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert rows[0] == ["Wave", "Base", "Yes % (95% CI)", "No % (95% CI)"]
    last = rows[-1]
    assert last[0] == "Q3 2022"
    assert last[1] == "500"
    assert last[2] == "45.0 (40.7 to 49.4) ▲ significant rise"
    assert last[3] == "55.0 (50.6 to 59.3) ▼ significant fall"
    mix = await client.get(
        "/dashboard/survey", params={"question": "have_say", "download": "representativeness"}
    )
    assert mix.status_code == 200


async def test_survey_filters(signed_in: httpx.AsyncClient) -> None:
    client = signed_in
    narrowed = await client.get(
        "/dashboard/survey",
        params={"question": "informed", "from": "2022-Q2", "to": "2022-Q3", "area": "NA-01"},
    )
    assert narrowed.status_code == 200
    body = narrowed.text
    assert "Q1 2022</th>" not in body
    assert "Q3 2022</th>" in body
    assert '<option value="NA-01" selected>' in body
    bad = await client.get("/dashboard/survey", params={"question": "nope"})
    assert bad.status_code == 404
    bad_wave = await client.get("/dashboard/survey", params={"from": "2022-Q7"})
    assert bad_wave.status_code == 422


async def test_activity_page_tables_and_downloads(signed_in: httpx.AsyncClient) -> None:
    client = signed_in
    page = await client.get("/dashboard/activity", params={"period": "2022-Q3"})
    assert page.status_code == 200
    text = page.text
    assert "Litter by the park" in text  # the overdue action
    assert 'href="/dashboard/report?period=2022-Q3"' in text
    overdue = await client.get(
        "/dashboard/activity", params={"period": "2022-Q3", "download": "overdue-actions"}
    )
    rows = list(csv.reader(io.StringIO(overdue.text.lstrip("\ufeff"))))
    assert rows[0] == ["Due", "Issue", "Action", "Owner", "Activity", "Area"]
    assert [r[1] for r in rows[1:]] == ["Litter by the park"]
    by_area = await client.get(
        "/dashboard/activity",
        params={"period": "2022-Q3", "area": "DB", "download": "engagement-by-area"},
    )
    rows = list(csv.reader(io.StringIO(by_area.text.lstrip("\ufeff"))))
    assert {r[0]: r[1] for r in rows[1:]} == {"NB-01": "5", "NB-02": "1", "NB-03": "0"}
    missing = await client.get("/dashboard/activity", params={"download": "nope"})
    assert missing.status_code == 404


async def test_report_from_the_dashboard(signed_in: httpx.AsyncClient) -> None:
    client = signed_in
    page = await client.get("/dashboard/report", params={"period": "2022-Q3"})
    assert page.status_code == 200
    assert "1. Executive summary</h2>" in page.text


async def test_scorecard_page_and_a_kpi_chart(signed_in: httpx.AsyncClient) -> None:
    client = signed_in
    page = await client.get("/dashboard/scorecard", params={"period": "2022-Q3"})
    assert page.status_code == 200
    text = page.text
    assert "KPI scorecard for 2022-Q3" in text
    assert 'href="/dashboard/scorecard/opcc_have_say"' in text
    assert "Special cause: improvement" in text  # a Making Data Count icon's words
    download = await client.get(
        "/dashboard/scorecard", params={"period": "2022-Q3", "download": "scorecard"}
    )
    rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
    by_code = {r[3]: r for r in rows[1:]}
    direct = await client.get(
        "http://kpi/api/v1/kpis/scorecard",
        params={"period": "2022-Q3"},
        headers={"X-API-Key": TEST_API_KEY},
    )
    for kpi in (
        k
        for p in direct.json()["pillars"]
        for o in p["objectives"]
        for out in o["outputs"]
        for k in out["kpis"]
    ):
        assert by_code[kpi["code"]][5] == ("" if kpi["value"] is None else str(kpi["value"]))
        assert by_code[kpi["code"]][10] == kpi["variation"]
    chart = await client.get("/dashboard/scorecard/opcc_have_say", params={"to": "2022-Q3"})
    assert chart.status_code == 200
    assert 'id="chart-xmr-opcc_have_say-title"' in chart.text
    series = await client.get(
        "/dashboard/scorecard/opcc_have_say",
        params={"to": "2022-Q3", "download": "xmr-opcc_have_say"},
    )
    rows = list(csv.reader(io.StringIO(series.text.lstrip("\ufeff"))))
    assert rows[0][0] == "Period"
    assert rows[-1][0] == "2022-Q3"
    assert rows[-1][1] == "45.0"
    unknown = await client.get("/dashboard/scorecard/no_such_kpi")
    assert unknown.status_code == 404
