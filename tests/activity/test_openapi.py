"""Every POST of the activity service documents an example (each is posted as written in the
test of its resource: activities, batch, review, registries, police.uk imports)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import client_for


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


@pytest.fixture
async def demo_client(activity_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The service on the registries a fresh `make run` has (the demo data), as integrators
    meet it first."""
    from services.activity.app import create_app
    from services.activity.config import ActivitySettings
    from services.activity.demo import generate
    from shared.db import Database

    db = Database(activity_db_url)
    assert await generate(db, activities=50)
    await db.dispose()
    app = create_app(ActivitySettings(database_url=activity_db_url))
    async for client in client_for(app, "http://activity"):
        yield client


def _examples(model: type) -> list[dict[str, Any]]:
    return model.model_config["json_schema_extra"]["examples"]  # type: ignore[no-any-return]


async def test_every_example_is_accepted_as_written_into_the_demo_store(
    demo_client: httpx.AsyncClient,
) -> None:
    from services.activity.activities.router import BATCH_EXAMPLE
    from services.activity.activities.schemas import ActivityCreate, ReviewIn
    from services.activity.areas.schemas import AreaIn
    from services.activity.groups.schemas import GroupIn
    from services.activity.plans.schemas import PlanIn
    from services.activity.police_uk import IMPORT_EXAMPLE
    from services.activity.volunteering.schemas import HoursIn

    client = demo_client
    for example in _examples(AreaIn):
        response = await client.post("/api/v1/areas", json=example)
        assert response.status_code == 201, response.text
        again = await client.post("/api/v1/areas", json=example)  # a replay, nothing changed
        assert again.status_code == 200, again.text
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == response.json()
    for path, model in (
        ("/api/v1/community-groups", GroupIn),
        ("/api/v1/plans", PlanIn),
        ("/api/v1/volunteer-hours", HoursIn),
    ):
        for example in _examples(model):
            response = await client.post(path, json=example)
            assert response.status_code == 201, (path, response.text)
    activity, planned = _examples(ActivityCreate)
    for example in (activity, planned):
        created = await client.post("/api/v1/activities", json=example)
        assert created.status_code == 201, created.text
        assert created.json()["id"] == example["id"]
    batch = await client.post("/api/v1/activities/batch", json=BATCH_EXAMPLE)
    assert batch.status_code == 200, batch.text
    assert [i["outcome"] for i in batch.json()["items"]] == ["replayed", "created"]
    (review,) = _examples(ReviewIn)
    reviewed = await client.post(f"/api/v1/activities/{activity['id']}/review", json=review)
    assert reviewed.status_code == 200, reviewed.text
    imported = await client.post(
        "/api/v1/police-uk/avon-and-somerset/neighbourhoods",
        params={"district": "BRS"},
        json=IMPORT_EXAMPLE,
    )
    # The area example already links BC193: the import updates that area.
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"created": [], "updated": ["BRS-EASTON"]}
    schema = (await client.get("/openapi.json")).json()["paths"]
    for suffix in ("people", "priorities"):
        body = schema["/api/v1/police-uk/{force}/{neighbourhood}/" + suffix]["post"]
        example = body["requestBody"]["content"]["application/json"]["example"]
        response = await client.post(
            f"/api/v1/police-uk/avon-and-somerset/BC193/{suffix}", json=example
        )
        assert response.status_code == 200, response.text
