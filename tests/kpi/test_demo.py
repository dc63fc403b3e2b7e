"""`make run`'s demo: the default quarter's scorecard has every KPI filled, and signals."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.activity.demo import generate
from services.kpi.demo import load_demo as load_kpi_demo
from services.survey.demo import load_demo as load_survey_demo
from shared.db import Database
from tests.conftest import client_for
from tests.kpi.conftest import Stack
from tests.kpi.test_scorecard import kpis_of
from tests.support.databases import DatabaseFactory


async def _load(url: str, loader: object) -> bool:
    db = Database(url)
    try:
        return bool(await loader(db))  # type: ignore[operator]
    finally:
        await db.dispose()


@pytest.fixture
async def demo(databases: DatabaseFactory) -> AsyncIterator[Stack]:
    from services.activity.app import create_app as activity_app
    from services.activity.config import ActivitySettings
    from services.kpi.app import create_app as kpi_app
    from services.kpi.config import KpiSettings
    from services.survey.app import create_app as survey_app
    from services.survey.config import SurveySettings

    urls = {name: await databases.fresh(name) for name in ("activity", "survey", "kpi")}
    assert await _load(urls["activity"], lambda db: generate(db, activities=3000))
    assert await _load(urls["survey"], lambda db: load_survey_demo(db, 1))
    assert await _load(urls["kpi"], lambda db: load_kpi_demo(db, 1))
    assert not await _load(urls["kpi"], lambda db: load_kpi_demo(db, 1))  # only when empty
    activity = activity_app(ActivitySettings(database_url=urls["activity"]))
    survey = survey_app(SurveySettings(database_url=urls["survey"]))
    async for activity_client in client_for(activity, "http://activity"):
        async for survey_client in client_for(survey, "http://survey"):
            settings = KpiSettings(
                database_url=urls["kpi"], activity_url="http://activity", survey_url="http://survey"
            )
            transports = {
                "activity": httpx.ASGITransport(app=activity),
                "survey": httpx.ASGITransport(app=survey),
            }
            kpi = kpi_app(settings, source_transports=transports)
            async for kpi_client in client_for(kpi, "http://kpi"):
                yield Stack(kpi=kpi_client, activity=activity_client, survey=survey_client)


async def test_default_scorecard_is_full_with_some_special_causes(demo: Stack) -> None:
    response = await demo.kpi.get("/api/v1/kpis/scorecard")
    assert response.status_code == 200, response.text
    card = response.json()
    kpis = kpis_of(card)
    assert len(kpis) == 16
    for code, kpi in kpis.items():
        assert kpi["status"] == "available", (code, kpi["reason"])
        assert kpi["value"] is not None, (code, kpi["notes"])
        assert kpi["target"] is not None, code
        assert kpi["rag"] is not None, code
        assert kpi["variation"] != "not_enough_data", code
    assert card["counts"]["none"] == card["counts"]["unavailable"] == 0
    assert {card["counts"][c] > 0 for c in ("green", "amber", "red")} == {True}
    assert any(k["special_causes"] for k in kpis.values())
    assert any(k["change"]["significant"] is not None for k in kpis.values())
    district = kpis_of(
        (await demo.kpi.get("/api/v1/kpis/scorecard", params={"area": "BRS"})).json()
    )
    assert all(k["value"] is not None for k in district.values())
    social = (await demo.kpi.get("/api/v1/kpis/social_media_interactions/series")).json()
    assert len(social["segments"]) == 2  # rebased at the digital push
    profile = (
        await demo.kpi.get(
            "/api/v1/kpis/time_out_of_station/profile", params={"period": card["period"]}
        )
    ).json()
    assert all(h["out_share"] is not None for h in profile["hours"])
    assert profile["days"] >= 12
