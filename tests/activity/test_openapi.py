"""Every POST of the activity service documents an example (each is posted as written in the
test of its resource: activities, batch, review, registries, police.uk imports)."""

from __future__ import annotations

import httpx


async def test_every_post_has_a_request_example(activity_client: httpx.AsyncClient) -> None:
    schema = (await activity_client.get("/openapi.json")).json()
    components = schema["components"]["schemas"]
    posts = {path: ops["post"] for path, ops in schema["paths"].items() if "post" in ops}
    assert set(posts) == {
        "/api/v1/activities",
        "/api/v1/activities/batch",
        "/api/v1/activities/{activity_id}/review",
        "/api/v1/areas",
        "/api/v1/community-groups",
        "/api/v1/plans",
        "/api/v1/volunteer-hours",
        "/api/v1/police-uk/{force}/neighbourhoods",
        "/api/v1/police-uk/{force}/{neighbourhood}/people",
        "/api/v1/police-uk/{force}/{neighbourhood}/priorities",
    }
    for path, operation in posts.items():
        content = operation["requestBody"]["content"]["application/json"]
        ref = content.get("schema", {}).get("$ref", "")
        model = components.get(ref.rsplit("/", 1)[-1], {}) if ref else {}
        assert content.get("example") or content.get("examples") or model.get("examples"), path
    patches = [path for path, ops in schema["paths"].items() if "patch" in ops]
    for path in patches:
        body = schema["paths"][path]["patch"]["requestBody"]["content"]
        assert "application/merge-patch+json" in body, path
