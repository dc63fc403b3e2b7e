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
    "% time spent out of station by hour of day",
}

CUSTOM = {
    "code": "iag_attendance",
    "name": "IAG meetings attended",
    "pillar": "engagement",
    "objective": "To have a good understanding of our communities needs, risks and threats.",
    "output": "Local IAGs in place which are representative of local communities.",
    "measure": "% of IAG meetings attended",
    "unit": "percent",
    "direction": "higher_is_better",
    "counting_rule": "IAG meetings attended over IAG meetings held.",
    "aggregate": "ratio",
}


async def _all(client: httpx.AsyncClient, **params: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": "5", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/kpis", params=query)).json()
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


async def test_catalogue_holds_every_kpi_of_the_report(kpi_client: httpx.AsyncClient) -> None:
    kpis = await _all(kpi_client)
    assert {k["measure"] for k in kpis} >= REPORT_MEASURES
    codes = [str(k["code"]) for k in kpis]
    assert {"opcc_informed", "opcc_have_say", "beat_page_views"} <= set(codes)
    assert codes == sorted(codes)
    assert len(codes) == len(set(codes))
    for kpi in kpis:
        assert kpi["counting_rule"], kpi["code"]
        assert kpi["owner_role"], kpi["code"]
        assert kpi["source"] in {"activity", "survey", "measurement"}
        binding = kpi["source_binding"]
        assert isinstance(binding, dict)
        if kpi["source"] == "survey":
            assert binding["survey"] == "opcc"
            assert kpi["unit"] == "percent"
        if binding.get("registry") == "community_groups":
            # The registry's own group types (the first cut named types that do not exist).
            assert set(binding["group_type"]) <= {
                "neighbourhood_watch",
                "community_speedwatch",
                "youth_panel",
                "youth_forum",
            }


async def test_get_one_kpi_and_filter_by_pillar(kpi_client: httpx.AsyncClient) -> None:
    one = await kpi_client.get("/api/v1/kpis/school_engagements")
    assert one.status_code == 200
    assert one.headers["etag"] == '"1"'
    assert one.json()["source_binding"]["activity_type"] == ["school_engagement"]
    confidence = await _all(kpi_client, pillar="public_confidence")
    assert {k["code"] for k in confidence} == {"opcc_informed", "opcc_have_say"}
    measured = await _all(kpi_client, source="measurement")
    assert {k["source"] for k in measured} == {"measurement"}


async def test_unknown_kpi_is_a_404_problem(kpi_client: httpx.AsyncClient) -> None:
    body = assert_problem(await kpi_client.get("/api/v1/kpis/no_such_kpi"), 404)
    assert "no_such_kpi" in body["detail"]


async def test_reading_needs_credentials(kpi_client: httpx.AsyncClient) -> None:
    assert_problem(await kpi_client.get("/api/v1/kpis", headers={"X-API-Key": ""}), 401)


async def test_custom_kpi_is_created_once_and_fed_by_measurements(
    kpi_client: httpx.AsyncClient,
) -> None:
    created = await kpi_client.post("/api/v1/kpis", json=CUSTOM)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/v1/kpis/iag_attendance"
    body = created.json()
    assert body["custom"] is True
    assert body["source"] == "measurement"
    assert body["source_binding"] == {"measurement": "iag_attendance", "aggregate": "ratio"}
    # Sent again as it is: a replay (the stored KPI, nothing changed); another definition of
    # the code: a conflict.
    again = await kpi_client.post("/api/v1/kpis", json=CUSTOM)
    assert again.status_code == 200, again.text
    assert again.json() == body
    renamed = {**CUSTOM, "name": "IAG meetings attended (renamed)"}
    assert_problem(await kpi_client.post("/api/v1/kpis", json=renamed), 409)
    assert (await kpi_client.get("/api/v1/kpis/iag_attendance")).json() == body
    summed = {**CUSTOM, "code": "iag_summed", "aggregate": "sum"}
    assert_problem(await kpi_client.post("/api/v1/kpis", json=summed), 422, "body.aggregate")
    bad = {**CUSTOM, "code": "X", "unit": "furlongs"}
    assert_problem(await kpi_client.post("/api/v1/kpis", json=bad), 422, "body.code", "body.unit")
    recorded = await kpi_client.post(
        "/api/v1/kpis/measurements",
        json={"kpi": "iag_attendance", "period": "2022-09", "numerator": 3, "denominator": 4},
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["created"] == 1


async def test_patch_needs_the_current_etag(kpi_client: httpx.AsyncClient) -> None:
    path = "/api/v1/kpis/school_engagements"
    change = {"owner_role": "Schools officer", "spc_changes": ["2022-07-01"]}
    assert_problem(await kpi_client.patch(path, json=change), 428)
    assert_problem(await kpi_client.patch(path, json=change, headers={"If-Match": '"9"'}), 412)
    unchanged = (await kpi_client.get(path)).json()
    assert unchanged["owner_role"] != "Schools officer"
    assert unchanged["version"] == 1
    patched = await kpi_client.patch(path, json=change, headers={"If-Match": '"1"'})
    assert patched.status_code == 200, patched.text
    assert patched.headers["etag"] == '"2"'
    assert patched.json()["owner_role"] == "Schools officer"
    assert patched.json()["spc_changes"] == ["2022-07-01"]
    stale = await kpi_client.patch(path, json={"name": "x"}, headers={"If-Match": '"1"'})
    assert_problem(stale, 412)
    assert_problem(
        await kpi_client.patch(path, json={"name": None}, headers={"If-Match": '"2"'}),
        422,
        "body.name",
    )
    assert_problem(
        await kpi_client.patch(path, json={"unit": "count"}, headers={"If-Match": '"2"'}),
        422,
        "body.unit",
    )
