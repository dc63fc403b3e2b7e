"""Demo data: deterministic, only into an empty store, with the report's patterns."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from services.survey.demo import latest_complete_wave, load_demo
from services.survey.imports import rows as survey_rows
from shared.contracts.survey import london_date
from shared.db import Database
from tests.support.databases import DatabaseFactory

RESULTS = "/api/v1/surveys/opcc/questions/{q}/results"


def _shares(body: dict, wave: str) -> dict[str, float]:
    group = next(g for g in body["groups"] if g["group"] == wave)
    return {a["answer"]: a["share"] for a in group["answers"]}


@pytest.fixture
async def demo_client(survey_db_url: str, survey_client: httpx.AsyncClient) -> httpx.AsyncClient:
    db = Database(survey_db_url)
    try:
        assert await load_demo(db, 1) is True
        assert await load_demo(db, 1) is False  # never into a store with responses
    finally:
        await db.dispose()
    return survey_client


async def test_demo_has_the_reports_patterns(demo_client: httpx.AsyncClient) -> None:
    informed = (await demo_client.get(RESULTS.format(q="informed"))).json()
    last = latest_complete_wave(london_date(datetime.now(UTC)))
    assert (informed["from_wave"], informed["to_wave"]) == ("2014-Q1", last)
    assert all(400 <= g["base_n"] <= 500 for g in informed["groups"])
    start, q3 = _shares(informed, "2014-Q1"), _shares(informed, "2022-Q3")
    assert start["fairly_well"] == pytest.approx(0.45, abs=0.06)
    assert q3["fairly_well"] == pytest.approx(0.25, abs=0.06)
    assert q3["not_very_well"] == pytest.approx(0.56, abs=0.06)
    covid = [
        _shares(informed, w)["not_at_all"] for w in ("2020-Q3", "2020-Q4", "2021-Q1", "2021-Q2")
    ]
    before = [_shares(informed, w)["not_at_all"] for w in ("2019-Q1", "2019-Q2", "2019-Q3")]
    assert min(covid) > max(before)
    have_say = (await demo_client.get(RESULTS.format(q="have_say"))).json()
    yes = {g["group"]: _shares(have_say, g["group"])["yes"] for g in have_say["groups"]}
    before_covid = sum(yes[w] for w in ("2019-Q1", "2019-Q2", "2019-Q3", "2019-Q4")) / 4
    assert max(yes["2020-Q1"], yes["2020-Q2"]) < before_covid - 0.05
    assert yes["2023-Q2"] > yes["2021-Q3"]
    trend = (
        await demo_client.get(
            "/api/v1/surveys/opcc/questions/informed/trend", params={"to": "2022-Q3"}
        )
    ).json()
    fairly = next(a for a in trend["answers"] if a["answer"] == "fairly_well")
    assert fairly["trend"] == "decreasing"
    # The "silent majority" question: older respondents are over-represented.
    mix = (await demo_client.get("/api/v1/surveys/opcc/representativeness")).json()
    ages = {
        c["category"]: c
        for d in mix["dimensions"]
        if d["dimension"] == "age_band"
        for c in d["categories"]
    }
    assert ages["65-74"]["representation"] > 1.3
    assert ages["16-24"]["representation"] < 0.6
    assert mix["weighting"][0]["design_effect"] > 1.1
    comments = (
        await demo_client.get("/api/v1/surveys/opcc/comments", params={"q": "speeding"})
    ).json()
    assert comments["items"]


async def test_demo_is_deterministic(databases: DatabaseFactory) -> None:
    loaded = []
    for _ in range(2):
        db = Database(await databases.fresh("survey"))
        try:
            await load_demo(db, 1)
            async with db.read_sessions() as session:
                from sqlalchemy import text

                rows = await session.execute(
                    text(
                        "SELECT count(*), sum(q01), sum(q02), count(t1), min(respondent_id), "
                        "max(interview_date) FROM survey_response"
                    )
                )
                loaded.append(tuple(rows.one()))
        finally:
            await db.dispose()
    assert loaded[0] == loaded[1]


async def test_the_latest_complete_wave_is_reckoned_in_london(
    survey_db_url: str, survey_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 23:30 UTC on 30 September is 1 October in London: 2022-Q3 is complete there.
    monkeypatch.setattr(survey_rows, "utcnow", lambda: datetime(2022, 9, 30, 23, 30, tzinfo=UTC))
    db = Database(survey_db_url)
    try:
        assert await load_demo(db, 1) is True
    finally:
        await db.dispose()
    informed = (await survey_client.get(RESULTS.format(q="informed"))).json()
    assert (informed["from_wave"], informed["to_wave"]) == ("2014-Q1", "2022-Q3")
