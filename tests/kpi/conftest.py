"""The KPI service wired to real activity and survey apps (in process, over ASGI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import client_for
from tests.support.factories import seed_areas


@dataclass
class Stack:
    kpi: httpx.AsyncClient
    activity: httpx.AsyncClient
    survey: httpx.AsyncClient


@pytest.fixture
async def stack(
    activity_client: httpx.AsyncClient, survey_client: httpx.AsyncClient, kpi_db_url: str
) -> AsyncIterator[Stack]:
    """The KPI service reading the activity and survey services (areas of the test force)."""
    from services.kpi.app import create_app
    from services.kpi.config import KpiSettings

    await seed_areas(activity_client)
    settings = KpiSettings(
        database_url=kpi_db_url,
        activity_url="http://activity",
        survey_url="http://survey",
        area_cache_s=0,
    )
    transports = {
        "activity": httpx.ASGITransport(app=activity_client.app),  # type: ignore[attr-defined]
        "survey": httpx.ASGITransport(app=survey_client.app),  # type: ignore[attr-defined]
    }
    app = create_app(settings, source_transports=transports)
    async for client in client_for(app, "http://kpi"):
        yield Stack(kpi=client, activity=activity_client, survey=survey_client)
