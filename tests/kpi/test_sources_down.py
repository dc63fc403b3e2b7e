"""A source stopped or silent mid-test: its KPIs are unavailable, the scorecard still 200."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import AUTH, client_for
from tests.kpi.conftest import Process, Stack
from tests.kpi.test_scorecard import kpis_of, seed
from tests.support.factories import seed_areas

CARD = "/api/v1/kpis/scorecard"
SURVEY_KPIS = {"visibility_seen_officer", "public_confidence", "opcc_informed", "opcc_have_say"}
MEASURED = {
    "time_out_of_station",
    "beat_page_views",
    "social_media_interactions",
    "two_minute_survey_response_rate",
}


async def test_a_stopped_source_makes_only_its_kpis_unavailable(
    processes: dict[str, Process],
) -> None:
    async with httpx.AsyncClient(headers=AUTH, timeout=30) as client:
        activity, kpi = processes["activity"].url, processes["kpi"].url
        async with httpx.AsyncClient(base_url=activity, headers=AUTH) as activity_client:
            await seed_areas(activity_client)
        responses = {
            "responses": [
                {
                    "respondent_id": f"r{i}",
                    "wave": "2022-Q3",
                    "area": "BRS",
                    "answers": {"have_say": "yes" if i % 3 else "no"},
                }
                for i in range(60)
            ]
        }
        stored = await client.post(
            f"{processes['survey'].url}/api/v1/surveys/opcc/responses", json=responses
        )
        assert stored.status_code == 200, stored.text
        before = await client.get(f"{kpi}{CARD}", params={"period": "2022-Q3"})
        assert before.status_code == 200, before.text
        assert {k["status"] for k in kpis_of(before.json()).values()} == {"available"}
        assert kpis_of(before.json())["opcc_have_say"]["value"] == round(100 * 40 / 60, 4)

        processes["survey"].stop()
        started = time.monotonic()
        after = await client.get(f"{kpi}{CARD}", params={"period": "2022-Q3"})
        assert after.status_code == 200, after.text
        assert time.monotonic() - started < 10
        kpis = kpis_of(after.json())
        down = {code for code, k in kpis.items() if k["status"] == "unavailable"}
        assert down == SURVEY_KPIS
        have_say = kpis["opcc_have_say"]
        assert "survey" in have_say["reason"]
        assert (have_say["value"], have_say["rag"]) == (None, None)
        assert "source_unavailable" in {n["code"] for n in have_say["notes"]}
        assert kpis["school_engagements"]["status"] == "available"
        assert after.json()["counts"]["unavailable"] == 4

        processes["activity"].stop()
        both = await client.get(f"{kpi}{CARD}", params={"period": "2022-Q3", "area": "BRS"})
        assert both.status_code == 200, both.text
        kpis = kpis_of(both.json())
        assert {c for c, k in kpis.items() if k["status"] == "available"} == MEASURED
        series = await client.get(f"{kpi}/api/v1/kpis/school_engagements/series")
        assert series.status_code == 200
        assert series.json()["status"] == "unavailable"


@pytest.fixture
async def silent_survey() -> AsyncIterator[str]:
    """A survey 'service' that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_a_slow_source_times_out_into_unavailable(
    activity_client: httpx.AsyncClient, kpi_db_url: str, silent_survey: str
) -> None:
    from services.kpi.app import create_app
    from services.kpi.config import KpiSettings

    await seed_areas(activity_client)
    settings = KpiSettings(
        database_url=kpi_db_url,
        activity_url="http://activity",
        survey_url=silent_survey,
        source_timeout_s=0.5,
    )
    transports = {"activity": httpx.ASGITransport(app=activity_client.app)}  # type: ignore[attr-defined]
    app = create_app(settings, source_transports=transports)
    async for client in client_for(app, "http://kpi"):
        started = time.monotonic()
        response = await client.get(CARD, params={"period": "2022-Q3"})
        elapsed = time.monotonic() - started
        assert response.status_code == 200, response.text
        assert elapsed < 3  # the silent survey call waits beside the others, not after them
        kpis = kpis_of(response.json())
        assert {c for c, k in kpis.items() if k["status"] == "unavailable"} == SURVEY_KPIS
        assert "did not answer in time" in kpis["opcc_informed"]["reason"]


async def test_the_inputs_of_one_scorecard_are_fetched_concurrently(stack: Stack) -> None:
    """Every source call of a scorecard is in flight at once (asyncio.gather)."""
    await seed(stack)
    in_flight = 0
    most = 0
    app = stack.kpi.app  # type: ignore[attr-defined]
    for client in (app.state.sources.activity, app.state.sources.survey):
        original = client.get

        async def counted(path, params, model, _original=original):  # type: ignore[no-untyped-def]
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            try:
                await asyncio.sleep(0.05)
                return await _original(path, params, model)
            finally:
                in_flight -= 1

        client.get = counted  # type: ignore[method-assign]
    response = await stack.kpi.get(CARD, params={"period": "2022-Q3"})
    assert response.status_code == 200
    # Three aggregates (counts, hours, the school engagements' topics) and the register summary
    # of the activity service, and one survey call for its four questions.
    assert most == 5
