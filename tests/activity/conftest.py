"""Every activity test starts with a small registry of areas to log against."""

from __future__ import annotations

import httpx
import pytest

from tests.support.factories import seed_areas


@pytest.fixture
async def activity_client(activity_client: httpx.AsyncClient) -> httpx.AsyncClient:
    await seed_areas(activity_client)
    return activity_client
