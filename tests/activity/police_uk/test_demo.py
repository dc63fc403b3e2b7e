"""The demo store publishes a whole police.uk force: every neighbourhood with a boundary, a
team, priorities and upcoming public events; a few profiles incomplete."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.activity.demo import generate
from services.activity.police_uk.demo import ENGAGEMENT_METHODS, FORCE_ID
from shared.db import Database

BASE = f"/api/v1/police-uk/{FORCE_ID}"


@pytest.fixture
async def demo_public(activity_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    from services.activity.app import create_app
    from services.activity.config import ActivitySettings

    db = Database(activity_db_url)
    assert await generate(db, activities=1500)  # small: some neighbourhoods get no event
    await db.dispose()
    app = create_app(ActivitySettings(database_url=activity_db_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://activity") as client:
            yield client


async def test_every_demo_neighbourhood_is_published_whole(
    demo_public: httpx.AsyncClient,
) -> None:
    client = demo_public
    force = (await client.get(f"/api/v1/police-uk/forces/{FORCE_ID}")).json()
    channels = {m["type"] for m in force["engagement_methods"]}
    assert {"facebook", "twitter", "instagram", "linkedin", "youtube"} <= channels
    assert len(force["engagement_methods"]) == len(ENGAGEMENT_METHODS)
    neighbourhoods = (await client.get(f"{BASE}/neighbourhoods")).json()
    assert len(neighbourhoods) == 60
    missing: list[list[str]] = []
    for item in neighbourhoods:
        path = f"{BASE}/{item['id']}"
        record = (await client.get(path)).json()
        missing.append(record["completeness"]["missing"])
        assert (await client.get(f"{path}/people")).json()
        assert (await client.get(f"{path}/priorities")).json()
        assert (await client.get(f"{path}/events")).json(), item
        boundary = (await client.get(f"{path}/boundary")).json()
        assert len(boundary) == 4
        # The neighbourhood's centre is located in it, by its boundary.
        q = f"{record['centre']['latitude']},{record['centre']['longitude']}"
        located = await client.get("/api/v1/police-uk/locate-neighbourhood", params={"q": q})
        assert located.json() == {"force": FORCE_ID, "neighbourhood": item["id"]}
    incomplete = [m for m in missing if m]
    assert 3 <= len(incomplete) < 60
    for part in ("contact_details", "team_photos", "priorities"):
        assert any(part in m for m in incomplete), part
