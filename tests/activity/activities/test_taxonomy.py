"""The taxonomy: every code list and written definition."""

from __future__ import annotations

import httpx


async def test_taxonomy_serves_every_code_list_and_the_definitions(
    activity_client: httpx.AsyncClient,
) -> None:
    from shared.contracts import taxonomy

    body = (await activity_client.get("/api/v1/taxonomy")).json()
    lists = body["code_lists"]
    assert {c["code"] for c in lists["directorate"]} == {d.value for d in taxonomy.Directorate}
    assert {c["code"] for c in lists["activity_type"]} == {t.value for t in taxonomy.ActivityType}
    classification = {c["code"]: c for c in lists["classification"]}
    assert "two-way" in classification["engagement"]["definition"]
    assert "One-way" in classification["communication"]["definition"]
    assert set(body["definitions"]) >= {"engagement", "interaction", "communication", "inform"}
    for name in ("group_type", "volunteer_role", "plan_kind", "area_kind", "topic", "channel"):
        assert lists[name], name
