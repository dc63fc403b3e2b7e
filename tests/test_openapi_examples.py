"""Every request example in every service's OpenAPI is accepted exactly as written, twice, on
the store a fresh `make run` has (reference data and the demo data): each service's document
on its own, and the merged document at the gateway of real processes (the KPI service's
examples need the activity service's areas; the gateway's own, an API key).

Integrators copy these examples: the first send is accepted, a second send is a documented
replay or a new record, never an error. Examples can depend on each other (an activity review
names the activity the activity example creates), so they are posted in passes until no more
succeed; at the end every one of them must have been accepted, twice, and both answers must
be statuses the operation documents.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shared.db import Database
from shared.migrations import upgrade
from tests.conftest import AUTH, client_for
from tests.support.databases import DatabaseFactory
from tests.support.processes import start_suite

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
    # A catalogue KPI in percent (the target examples are percentages).
    "/api/v1/kpis/{code}/targets": {"code": "visibility_seen_officer"},
    "/api/v1/kpis/social-accounts/{account}": {"account": "example-police-facebook"},
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


def _documented(doc: dict[str, Any], example: Example, response: httpx.Response) -> bool:
    method, path, _, _ = example
    return str(response.status_code) in doc["paths"][path][method]["responses"]


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
            assert _documented(doc, example, first), (example[:2], first.status_code)
            assert _documented(doc, example, again), (example[:2], again.status_code)
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


@pytest.fixture(scope="module")
async def demo_gateway(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    """The suite of real processes on the demo store of `make run` (fewer activities)."""
    from services.activity.demo import generate
    from services.kpi.demo import load_demo as load_kpi_demo
    from services.survey.demo import load_demo as load_survey_demo

    data_dir = tmp_path_factory.mktemp("examples")
    services = ("activity", "survey", "kpi")
    if databases.admin_url is None:
        urls = {s: f"sqlite+aiosqlite:///{data_dir / s}.db" for s in services}
    else:
        urls = {s: await databases.fresh(s) for s in services}
    demos = {
        "activity": lambda db: generate(db, activities=100),
        "survey": lambda db: load_survey_demo(db, 1),
        "kpi": lambda db: load_kpi_demo(db, 1),
    }
    for service, url in urls.items():
        await upgrade(service, url)
        db = Database(url)
        assert await demos[service](db)
        await db.dispose()
    env = {f"{s.upper()}_DATABASE_URL": url for s, url in urls.items()}
    suite = await asyncio.to_thread(start_suite, data_dir, env)
    try:
        async with httpx.AsyncClient(base_url=suite.base_url, headers=AUTH, timeout=30) as c:
            yield c
    finally:
        await asyncio.to_thread(suite.stop)


async def test_every_example_of_the_merged_document_is_accepted_twice_on_the_demo_store(
    demo_gateway: httpx.AsyncClient,
) -> None:
    # The activity and survey examples, the KPI service's (a custom KPI, two targets, one and
    # many measurements, a measurements import, a social account, a snapshot) and an API key.
    doc = (await demo_gateway.get("/openapi.json")).json()
    paths = {e[1] for e in request_examples(doc)}
    for path in (
        "/api/v1/kpis",
        "/api/v1/kpis/{code}/targets",
        "/api/v1/kpis/measurements",
        "/api/v1/kpis/snapshots",
        "/api/v1/admin/api-keys",
    ):
        assert path in paths, path
    assert await post_all_twice(demo_gateway) >= 25
