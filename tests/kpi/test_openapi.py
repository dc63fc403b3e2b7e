"""The KPI service's OpenAPI: examples work as written, rules are published, routes in order."""

from __future__ import annotations

import re

import httpx

from shared.contracts.kpi import RAG_RULE, SPC_RULES
from tests.test_openapi_examples import request_examples


async def test_kpi_examples_are_accepted(kpi_client: httpx.AsyncClient) -> None:
    # A custom KPI, one and many measurements, a snapshot: all on an empty store. Operations on
    # one resource (targets of a KPI, a social account) are exercised in their own tests.
    doc = (await kpi_client.get("/openapi.json")).json()
    examples = [e for e in request_examples(doc) if not re.search(r"\{[^}]+\}", e[1])]
    assert len(examples) >= 4
    for method, path, media_type, value in examples:
        response = await kpi_client.request(
            method.upper(), path, json=value, headers={"Content-Type": media_type}
        )
        assert response.status_code < 300, (method, path, response.text)


async def test_rules_are_published_in_the_openapi_text(kpi_client: httpx.AsyncClient) -> None:
    doc = (await kpi_client.get("/openapi.json")).json()
    scorecard = doc["paths"]["/api/v1/kpis/scorecard"]["get"]
    assert RAG_RULE in scorecard["description"]
    assert SPC_RULES in scorecard["description"]
    assert SPC_RULES in doc["paths"]["/api/v1/kpis/{code}/series"]["get"]["description"]
    body = doc["paths"]["/api/v1/kpis/measurements"]["post"]["requestBody"]
    assert set(body["content"]["application/json"]["examples"]) == {"one", "many"}


async def test_fixed_paths_are_not_taken_for_kpi_codes(kpi_client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/kpis/scorecard", "/api/v1/kpis/measurements", "/api/v1/kpis/snapshots"):
        response = await kpi_client.get(path)
        assert response.status_code == 200, (path, response.text)
        assert "code" not in response.json()
