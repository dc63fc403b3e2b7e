"""Every request example in every service's OpenAPI is accepted exactly as written, twice, on
the store a fresh `make run` has (reference data and the demo data).

Integrators copy these examples: the first send is accepted, a second send is a documented
replay or a new record, never an error. Examples can depend on each other (an activity review
names the activity the activity example creates), so they are posted in passes until no more
succeed; at the end every one of them must have been accepted, twice.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shared.db import Database
from tests.conftest import client_for

# Path and query values an example needs, as the demo store and the examples themselves have
# them (the activity example's id, the area example's data.police.uk neighbourhood).
PATH_VALUES = {
    "activity_id": "6f1c2b1e-4a57-4d0e-9a53-2f1f7d0c9a11",
    "force": "avon-and-somerset",
    "neighbourhood": "BC193",
    "code": "opcc",
    "question": "informed",
}
# Where one path needs another value: only a planned activity is published as an event (the
# second activity example is one).
PATH_VALUES_BY_PATH = {
    "/api/v1/police-uk/published-events/{activity_id}": {
        "activity_id": "0b8f3c2d-6e1a-4f7b-9c5d-8a2e4f6b1c3d"
    },
}
QUERY_VALUES = {"/api/v1/police-uk/{force}/neighbourhoods": {"district": "BRS"}}

Example = tuple[str, str, str, Any]  # method, path, media type, value


def request_examples(doc: dict[str, Any]) -> list[Example]:
    schemas = doc.get("components", {}).get("schemas", {})
    out: list[Example] = []
    for path, item in doc["paths"].items():
        for method in ("post", "put", "patch"):
            operation = item.get(method)
            if not operation:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            for media_type, media in content.items():
                examples = [e.get("value") for e in (media.get("examples") or {}).values()]
                if "example" in media:
                    examples.append(media["example"])
                ref = media.get("schema", {}).get("$ref", "")
                if ref:
                    examples += schemas.get(ref.rsplit("/", 1)[1], {}).get("examples", [])
                out += [(method, path, media_type, example) for example in examples]
    return out


async def _send(client: httpx.AsyncClient, example: Example) -> httpx.Response:
    method, path, media_type, value = example
    values = {**PATH_VALUES, **PATH_VALUES_BY_PATH.get(path, {})}
    url = re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], path)
    params = QUERY_VALUES.get(path, {})
    if media_type == "multipart/form-data":
        files = {
            name: (f"example-{name}.csv", text.encode(), "text/csv") for name, text in value.items()
        }
        return await client.request(method.upper(), url, params=params, files=files)
    return await client.request(
        method.upper(), url, params=params, json=value, headers={"Content-Type": media_type}
    )


async def post_all_twice(client: httpx.AsyncClient) -> int:
    """Send every example until no more are accepted; each must be accepted twice."""
    doc = (await client.get("/openapi.json")).json()
    pending = [e for e in request_examples(doc) if e[2] != "application/merge-patch+json"]
    found = len(pending)
    refused: list[tuple[str, str, int, str]] = []
    while pending:
        refused, still_pending = [], []
        for example in pending:
            first = await _send(client, example)
            if first.status_code >= 300:
                refused.append((example[0], example[1], first.status_code, first.text))
                still_pending.append(example)
                continue
            again = await _send(client, example)
            assert again.status_code < 300, (example[:2], again.status_code, again.text)
        if len(still_pending) == len(pending):
            break  # no progress: what is left is refused for good
        pending = still_pending
    assert not refused, f"examples refused: {refused}"
    return found


@pytest.fixture
async def demo_activity_client(activity_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    from services.activity.app import create_app
    from services.activity.config import ActivitySettings
    from services.activity.demo import generate

    db = Database(activity_db_url)
    assert await generate(db, activities=100)  # the registries of `make run`, fewer activities
    await db.dispose()
    app = create_app(ActivitySettings(database_url=activity_db_url))
    async for client in client_for(app, "http://activity"):
        yield client


@pytest.fixture
async def demo_survey_client(survey_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    from services.survey.app import create_app
    from services.survey.config import SurveySettings
    from services.survey.demo import load_demo

    db = Database(survey_db_url)
    assert await load_demo(db, 1)
    await db.dispose()
    app = create_app(SurveySettings(database_url=survey_db_url))
    async for client in client_for(app, "http://survey"):
        yield client


async def test_activity_examples_are_accepted_twice_on_the_demo_store(
    demo_activity_client: httpx.AsyncClient,
) -> None:
    # activities, batch, review, area, group, plan, hours, three police.uk imports
    assert await post_all_twice(demo_activity_client) >= 10


async def test_survey_examples_are_accepted_twice_on_the_demo_store(
    demo_survey_client: httpx.AsyncClient,
) -> None:
    # survey, wording, CSV import, responses, population
    assert await post_all_twice(demo_survey_client) >= 5
