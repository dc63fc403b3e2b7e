"""Fixtures shared by every test: databases per test, service clients, the real suite."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

# Set before any app is built: every app reads these at creation.
TEST_API_KEY = "test-key-" + "x" * 24
os.environ["HUB_BOOTSTRAP_API_KEY"] = TEST_API_KEY
# Signs the identity the gateway forwards; tests mint identities with it too.
TEST_INTERNAL_SECRET = "test-internal-secret-" + "s" * 32
os.environ["HUB_INTERNAL_SECRET"] = TEST_INTERNAL_SECRET
os.environ.setdefault("HUB_LOG_JSON", "true")
os.environ.setdefault("HUB_LOG_LEVEL", "WARNING")

from tests.support.databases import DatabaseFactory, postgres_admin_url  # noqa: E402

AUTH = {"X-API-Key": TEST_API_KEY}


def pytest_report_header() -> str:
    url = postgres_admin_url()
    return f"hub test database: {'postgresql (' + url + ')' if url else 'sqlite'}"


@pytest.fixture(scope="session")
async def databases(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"), postgres_admin_url())
    try:
        await factory.check_reachable()
    except (OSError, Exception) as exc:
        # Never a skip: a run asked to use PostgreSQL must use it (CI=true or not).
        pytest.fail(f"PostgreSQL at HUB_TEST_POSTGRES_URL is unreachable: {exc}", pytrace=False)
    yield factory
    await factory.drop_all()


@pytest.fixture
def backend(databases: DatabaseFactory) -> str:
    return databases.backend


AppFactory = Callable[[str], FastAPI]


async def client_for(app: FastAPI, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of one service app, its lifespan running, authenticated."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=base_url, headers=AUTH
        ) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


@pytest.fixture
async def activity_db_url(databases: DatabaseFactory) -> str:
    return await databases.fresh("activity")


@pytest.fixture
async def survey_db_url(databases: DatabaseFactory) -> str:
    return await databases.fresh("survey")


@pytest.fixture
async def kpi_db_url(databases: DatabaseFactory) -> str:
    return await databases.fresh("kpi")


@pytest.fixture
async def activity_client(activity_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    from services.activity.app import create_app
    from services.activity.config import ActivitySettings

    app = create_app(ActivitySettings(database_url=activity_db_url))
    async for client in client_for(app, "http://activity"):
        yield client


@pytest.fixture
async def survey_client(survey_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    from services.survey.app import create_app
    from services.survey.config import SurveySettings

    app = create_app(SurveySettings(database_url=survey_db_url))
    async for client in client_for(app, "http://survey"):
        yield client


@pytest.fixture
async def kpi_client(kpi_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    from services.kpi.app import create_app
    from services.kpi.config import KpiSettings

    app = create_app(KpiSettings(database_url=kpi_db_url))
    async for client in client_for(app, "http://kpi"):
        yield client


def assert_problem(response: httpx.Response, status: int, *fields: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem with `status`, naming each of `fields`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    named = {e["field"] for e in body.get("errors") or []}
    for field in fields:
        assert field in named, f"{field} not named in {named}"
    return body
