"""Dated targets: a new year's target never rewrites how an earlier period is judged."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import assert_problem
from tests.kpi.conftest import Stack
from tests.kpi.test_scorecard import kpis_of

TARGETS = "/api/v1/kpis/beat_page_views/targets"


async def _kpi(client: httpx.AsyncClient, period: str, area: str | None = None) -> dict[str, Any]:
    params = {"period": period, **({"area": area} if area else {})}
    response = await client.get("/api/v1/kpis/scorecard", params=params)
    assert response.status_code == 200, response.text
    return kpis_of(response.json())["beat_page_views"]


async def test_a_new_target_closes_the_open_one_and_leaves_earlier_periods_alone(
    kpi_client: httpx.AsyncClient,
) -> None:
    views = [
        {"kpi": "beat_page_views", "period": p, "value": 1000}
        for p in ("2022-11", "2022-12", "2023-01")
    ]
    assert (await kpi_client.post("/api/v1/kpis/measurements", json=views)).status_code == 200
    first = await kpi_client.post(TARGETS, json={"valid_from": "2022-01-01", "value": 900})
    assert first.status_code == 201, first.text
    before = await _kpi(kpi_client, "2022-12")
    assert (before["target"]["value"], before["rag"]) == (900, "green")

    second = await kpi_client.post(
        TARGETS, json={"valid_from": "2023-01-01", "value": 1200, "tolerance": 100}
    )
    assert second.status_code == 201, second.text
    listed = (await kpi_client.get(TARGETS)).json()
    assert [(t["valid_from"], t["valid_to"]) for t in listed] == [
        ("2022-01-01", "2022-12-31"),
        ("2023-01-01", None),
    ]
    assert (await _kpi(kpi_client, "2022-12"))["rag"] == "green"  # judged as before
    january = await _kpi(kpi_client, "2023-01")
    assert (january["target"]["value"], january["rag"]) == (1200, "red")
    assert january["target"]["valid_from"] == "2023-01-01"
    # A quarter is judged by the target on its last day; counts are per month.
    quarter = await _kpi(kpi_client, "2022-Q4")
    assert quarter["target"]["value"] == 2700
    assert quarter["notes"][0]["code"] == "stale_measurement"  # October is missing

    overlap = await kpi_client.post(
        TARGETS, json={"valid_from": "2022-06-01", "valid_to": "2022-07-31", "value": 1}
    )
    assert_problem(overlap, 409)
    assert len((await kpi_client.get(TARGETS)).json()) == 2
    # The target in force sent again as it is: a replay, nothing changed.
    replayed = await kpi_client.post(
        TARGETS, json={"valid_from": "2023-01-01", "value": 1200, "tolerance": 100}
    )
    assert replayed.status_code == 200, replayed.text
    assert replayed.json() == second.json()
    assert (await kpi_client.get(TARGETS)).json() == listed


async def test_targets_are_checked(kpi_client: httpx.AsyncClient) -> None:
    reversed_dates = {"valid_from": "2022-06-01", "valid_to": "2022-05-31", "value": 1}
    assert_problem(await kpi_client.post(TARGETS, json=reversed_dates), 422, "body.valid_to")
    assert_problem(
        await kpi_client.post(TARGETS, json={"valid_from": "2022-06-01", "value": -1}),
        422,
        "body.value",
    )
    percent = "/api/v1/kpis/opcc_informed/targets"
    assert_problem(
        await kpi_client.post(percent, json={"valid_from": "2022-06-01", "value": 101}),
        422,
        "body.value",
    )
    assert_problem(
        await kpi_client.post(
            TARGETS, json={"valid_from": "2022-06-01", "value": 1, "tolerance": -1}
        ),
        422,
        "body.tolerance",
    )
    assert_problem(
        await kpi_client.post(
            "/api/v1/kpis/nope/targets", json={"valid_from": "2022-06-01", "value": 1}
        ),
        404,
    )
    assert (await kpi_client.get(TARGETS)).json() == []


async def test_an_area_target_applies_to_its_area_and_the_areas_in_it(stack: Stack) -> None:
    views = [
        {"kpi": "beat_page_views", "period": "2022-09", "area": a, "value": 100}
        for a in ("BRS-01", "NSM-01")
    ]
    assert (await stack.kpi.post("/api/v1/kpis/measurements", json=views)).status_code == 200
    await stack.kpi.post(TARGETS, json={"valid_from": "2022-01-01", "value": 50})
    brs = await stack.kpi.post(
        TARGETS, json={"valid_from": "2022-01-01", "value": 150, "area": "BRS"}
    )
    assert brs.status_code == 201, brs.text
    assert_problem(
        await stack.kpi.post(
            TARGETS, json={"valid_from": "2022-01-01", "value": 1, "area": "NOPE"}
        ),
        422,
        "body.area",
    )
    force = await _kpi(stack.kpi, "2022-09")
    assert (force["value"], force["target"]["value"], force["rag"]) == (200, 50, "green")
    district = await _kpi(stack.kpi, "2022-09", "BRS")
    assert (district["value"], district["target"]["area"], district["rag"]) == (100, "BRS", "red")
    neighbourhood = await _kpi(stack.kpi, "2022-09", "BRS-01")  # its district's target
    assert neighbourhood["target"]["area"] == "BRS"
    other = await _kpi(stack.kpi, "2022-09", "NSM")
    assert other["target"]["area"] is None
    target_id = brs.json()["id"]
    deleted = await stack.kpi.delete(f"{TARGETS}/{target_id}")
    assert deleted.status_code == 204
    assert (await _kpi(stack.kpi, "2022-09", "BRS"))["target"]["area"] is None
    assert_problem(await stack.kpi.delete(f"{TARGETS}/{target_id}"), 404)


async def test_documented_target_examples_are_accepted(stack: Stack) -> None:
    doc = (await stack.kpi.get("/openapi.json")).json()
    examples = doc["components"]["schemas"]["TargetIn"]["examples"]
    assert len(examples) == 2
    for example in examples:
        response = await stack.kpi.post("/api/v1/kpis/opcc_informed/targets", json=example)
        assert response.status_code == 201, response.text
