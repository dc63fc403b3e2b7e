"""The demo year, and upgrading a store written before the registries existed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import JSON, bindparam, text

from services.activity.demo import generate, load_demo
from shared.contracts.taxonomy import ActivityType, Directorate
from shared.db import Database
from shared.migrations import upgrade
from tests.support.databases import DatabaseFactory


@pytest.fixture
async def demo_client(activity_db_url: str) -> httpx.AsyncClient:  # type: ignore[misc]
    from services.activity.app import create_app
    from services.activity.config import ActivitySettings
    from tests.conftest import AUTH

    db = Database(activity_db_url)
    assert await generate(db, activities=3000)
    assert not await load_demo(db, 1)  # only into an empty store
    await db.dispose()
    app = create_app(ActivitySettings(database_url=activity_db_url))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://activity", headers=AUTH
        ) as client,
    ):
        yield client


async def test_demo_year_is_realistic(demo_client: httpx.AsyncClient) -> None:
    client = demo_client
    districts = (await client.get("/api/v1/areas", params={"kind": "district"})).json()
    assert len(districts["items"]) == 6
    neighbourhoods = await client.get(
        "/api/v1/areas", params={"kind": "neighbourhood", "limit": 500}
    )
    assert len(neighbourhoods.json()["items"]) == 60
    seen_directorates, seen_types = set(), set()
    for status in ("completed", "planned", "cancelled"):
        body = (
            await client.get(
                "/api/v1/activities/aggregate",
                params={"group_by": "directorate,activity_type", "status": status},
            )
        ).json()
        seen_directorates |= {r["directorate"] for r in body["rows"]}
        seen_types |= {r["activity_type"] for r in body["rows"]}
    assert seen_directorates == {d.value for d in Directorate}
    assert seen_types == {t.value for t in ActivityType}
    assert (await client.get("/api/v1/activities/overlaps")).json()
    assert (await client.get("/api/v1/activities/unreconciled")).json()["items"]
    overdue = (await client.get("/api/v1/actions", params={"overdue": "true"})).json()["items"]
    assert 1 <= len(overdue) <= 10
    assert (await client.get("/api/v1/plans")).json()["items"]
    assert (await client.get("/api/v1/community-groups")).json()["items"]
    hours = (await client.get("/api/v1/volunteer-hours", params={"limit": 500})).json()
    assert {h["role"] for h in hours["items"]} == {
        "special_constable",
        "mini_police",
        "cadet",
        "police_support_volunteer",
    }
    searched = await client.get("/api/v1/activities", params={"q": "patrols"})
    assert searched.json()["items"]


async def test_upgrade_keeps_activities_logged_before_the_registries(
    databases: DatabaseFactory,
) -> None:
    url = await databases.empty("activity_legacy")
    await upgrade("activity", url, "9a3e05f60b3e")
    db = Database(url)
    legacy_id = uuid.uuid4()
    now = datetime(2022, 6, 30, 23, 30, tzinfo=UTC)  # local 1 July
    async with db.write_sessions() as session:
        await session.execute(
            text(
                "INSERT INTO activity_activity (id, title, status, starts_at, directorate, "
                "activity_type, channel, classification, topics, area_code, details, "
                "intel_submitted, logged_by, source, review_state, version, request_hash, "
                "created_at, updated_at) VALUES (:id, 'Old PACT meeting', 'completed', :at, "
                "'neighbourhood_partnerships', 'pact_meeting', 'face_to_face', 'engagement', "
                ":topics, 'OLD-07', '{}', 0, 'legacy', 'api', 'received', 1, "
                "'h', :at, :at)"
            )
            .bindparams(
                id=legacy_id.hex if db.sqlite else legacy_id,
                at=now.replace(tzinfo=None) if db.sqlite else now,
            )
            .bindparams(bindparam("topics", ["asb", "drugs"], type_=JSON))
        )
        await session.commit()
    await db.dispose()
    await upgrade("activity", url)

    from services.activity.app import create_app
    from services.activity.config import ActivitySettings
    from tests.conftest import client_for

    app = create_app(ActivitySettings(database_url=url))
    async for client in client_for(app, "http://activity"):
        read = (await client.get(f"/api/v1/activities/{legacy_id}")).json()
        assert (read["area"], read["district"]) == ("OLD-07", "OLD")
        by_topic = await client.get("/api/v1/activities", params={"topic": "drugs"})
        assert [i["id"] for i in by_topic.json()["items"]] == [str(legacy_id)]
        found = await client.get("/api/v1/activities", params={"q": "old meeting"})
        assert [i["id"] for i in found.json()["items"]] == [str(legacy_id)]
        counted = await client.get(
            "/api/v1/activities/aggregate", params={"group_by": "period", "period": "quarter"}
        )
        assert [(r["period"], r["activities"]) for r in counted.json()["rows"]] == [("2022-Q3", 1)]
        area = (await client.get("/api/v1/areas/OLD-07")).json()
        assert (area["kind"], area["parent"]) == ("neighbourhood", "OLD")
