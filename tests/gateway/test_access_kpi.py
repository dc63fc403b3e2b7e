"""KPIs under a district-limited key, through real processes: the KPI service reads its
sources on the caller's behalf, so the scorecard and series count only the key's districts,
and another district's area is unknown to it (422, as the activity service answers a create
against another district's area)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.conftest import assert_problem
from tests.gateway.test_access_keys import as_key, make_key
from tests.support.factories import activity_payload


def figures(scorecard: dict[str, Any]) -> dict[str, Any]:
    """Each KPI's figures by code (what the counting produced, not the echo of the request)."""
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "code" in node and "value" in node:
                found[node["code"]] = {
                    k: node.get(k) for k in ("value", "numerator", "denominator", "status")
                }
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(scorecard)
    return found


async def test_a_district_limited_key_scores_only_its_districts(
    gateway: httpx.AsyncClient,
) -> None:
    year = 1985 + uuid.uuid4().int % 15  # a year of its own, so counts are this test's alone
    for area, count in (("NSM-01", 2), ("BRS-01", 3), ("BRS-02", 1)):
        for day in range(1, count + 1):
            body = activity_payload(
                area=area,
                starts_at=f"{year}-05-{day:02d}T10:00:00+00:00",
                ends_at=f"{year}-05-{day:02d}T11:00:00+00:00",
                audience={"attendees": 10},
            )
            response = await gateway.post("/api/v1/activities", json=body)
            assert response.status_code == 201, response.text
    nsm = as_key(await make_key(gateway, scopes=["kpi:read"], districts=["NSM"]))
    period = {"period": f"{year}-05"}

    force = await gateway.get("/api/v1/kpis/scorecard", params=period)
    district = await gateway.get("/api/v1/kpis/scorecard", params={**period, "area": "NSM"})
    limited = await gateway.get("/api/v1/kpis/scorecard", params=period, headers=nsm)
    for answer in (force, district, limited):
        assert answer.status_code == 200, answer.text
    assert figures(limited.json()) == figures(district.json())
    assert figures(limited.json()) != figures(force.json())
    meetings = "local_meeting_engagements"  # the 2 of NSM against the force's 6
    assert figures(limited.json())[meetings]["value"] == 2
    assert figures(force.json())[meetings]["value"] == 6

    window = {"from": f"{year}-04", "to": f"{year}-06", "grain": "month"}
    series = f"/api/v1/kpis/{meetings}/series"
    limited_series = await gateway.get(series, params=window, headers=nsm)
    district_series = await gateway.get(series, params={**window, "area": "NSM"})
    force_series = await gateway.get(series, params=window)
    for answer in (limited_series, district_series, force_series):
        assert answer.status_code == 200, answer.text
    assert limited_series.json()["points"] == district_series.json()["points"]
    assert limited_series.json()["points"] != force_series.json()["points"]

    # Another district's area does not exist for this key; its own does.
    assert_problem(
        await gateway.get("/api/v1/kpis/scorecard", params={**period, "area": "BRS"}, headers=nsm),
        422,
        "query.area",
    )
    own = await gateway.get(
        "/api/v1/kpis/scorecard", params={**period, "area": "NSM-01"}, headers=nsm
    )
    assert own.status_code == 200
    assert_problem(
        await gateway.get(series, params={**window, "area": "BRS-01"}, headers=nsm),
        422,
        "query.area",
    )
