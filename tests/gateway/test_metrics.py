"""Prometheus metrics at /metrics on the gateway and on every service, without the API key."""

from __future__ import annotations

import httpx

from tests.support.processes import Suite


def _samples(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(name + "{")]


async def test_gateway_metrics_by_route_family_and_status(
    gateway: httpx.AsyncClient, seeded_suite: Suite
) -> None:
    await gateway.get("/api/v1/kpis")
    await gateway.get("/api/v1/activities", headers={"X-API-Key": "wrong"})
    await gateway.get(f"/api/v1/activities/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    async with httpx.AsyncClient(timeout=10) as anonymous:
        response = await anonymous.get(seeded_suite.base_url + "/metrics")  # no API key
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    requests = _samples(text, "hub_http_requests_total")
    assert any('route="/api/v1/kpis"' in s and 'status="200"' in s for s in requests)
    assert any('route="/api/v1/activities"' in s and 'status="401"' in s for s in requests)
    assert any('route="/api/v1/activities"' in s and 'status="404"' in s for s in requests)
    # Ids never become labels.
    assert not any("0000-0000" in s for s in requests)
    assert _samples(text, "hub_http_request_duration_seconds_bucket")
    circuits = _samples(text, "hub_gateway_circuit_state")
    assert {'hub_gateway_circuit_state{upstream="kpi"} 0.0'} <= set(circuits)


async def test_each_service_counts_by_route_template(
    gateway: httpx.AsyncClient, seeded_suite: Suite
) -> None:
    missing = f"{'0' * 8}-0000-0000-0000-{'0' * 12}"
    assert (await gateway.get(f"/api/v1/activities/{missing}")).status_code == 404
    assert (await gateway.get("/api/v1/surveys")).status_code == 200
    assert (await gateway.get("/api/v1/kpis")).status_code == 200
    expected = {
        1: 'route="/api/v1/activities/{activity_id}",service="activity",status="404"',
        2: 'route="/api/v1/surveys",service="survey",status="200"',
        3: 'route="/api/v1/kpis",service="kpi",status="200"',
    }
    for offset, series in expected.items():
        async with httpx.AsyncClient(timeout=10) as anonymous:
            response = await anonymous.get(f"http://127.0.0.1:{seeded_suite.port + offset}/metrics")
        assert response.status_code == 200
        assert any(series in s for s in _samples(response.text, "hub_http_requests_total")), series
