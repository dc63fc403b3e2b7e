"""Small JSON submissions: the same rules as imports, all or nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import Request
from sqlalchemy import Insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.imports import rows as survey_rows
from services.survey.responses.schemas import ResponsesSubmit
from shared.db import Database, request_session
from tests.conftest import assert_problem
from tests.survey.conftest import response_item

RESPONSES = "/api/v1/surveys/opcc/responses"
RESULTS = "/api/v1/surveys/opcc/questions/informed/results"


async def _base_n(client: httpx.AsyncClient) -> int:
    groups = (await client.get(RESULTS, params={"weighting": "none"})).json()["groups"]
    return sum(g["base_n"] for g in groups)


async def test_openapi_example_is_accepted_as_written(survey_client: httpx.AsyncClient) -> None:
    example = ResponsesSubmit.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    response = await survey_client.post(RESPONSES, json=example)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 1, "inserted": 1, "updated": 0, "unchanged": 0}


async def test_submit_then_resend_then_change(survey_client: httpx.AsyncClient) -> None:
    body = {
        "responses": [
            response_item("W1"),
            response_item("W2", interview_date="2022-07-04", wave=None),
        ]
    }
    first = await survey_client.post(RESPONSES, json=body)
    assert first.json() == {"received": 2, "inserted": 2, "updated": 0, "unchanged": 0}
    again = await survey_client.post(RESPONSES, json=body)
    assert again.json() == {"received": 2, "inserted": 0, "updated": 0, "unchanged": 2}
    body["responses"][1]["answers"]["informed"] = "not_at_all"
    changed = await survey_client.post(RESPONSES, json=body)
    assert changed.json() == {"received": 2, "inserted": 0, "updated": 1, "unchanged": 1}
    assert await _base_n(survey_client) == 2


async def test_any_invalid_response_stores_nothing(survey_client: httpx.AsyncClient) -> None:
    body = {
        "responses": [
            response_item("OK1"),
            response_item("BAD1", answers={"informed": "somewhat", "shoe_size": "9"}),
            response_item("BAD2", wave="2099-Q1"),
            response_item("OK1"),
        ]
    }
    response = await survey_client.post(RESPONSES, json=body)
    assert_problem(
        response,
        422,
        "body.responses.1.answers.informed",
        "body.responses.1.answers.shoe_size",
        "body.responses.2.wave",
        "body.responses.3.respondent_id",
    )
    assert await _base_n(survey_client) == 0


async def test_schema_level_refusals(survey_client: httpx.AsyncClient) -> None:
    no_wave = await survey_client.post(
        RESPONSES, json={"responses": [response_item("N1", wave=None)]}
    )
    assert_problem(no_wave, 422)
    unknown = await survey_client.post(
        RESPONSES, json={"responses": [response_item("N2", colour="red")]}
    )
    assert_problem(unknown, 422, "body.responses.0.colour")
    weight = await survey_client.post(
        RESPONSES, json={"responses": [response_item("N3", weight=0)]}
    )
    assert_problem(weight, 422, "body.responses.0.weight")
    empty = await survey_client.post(RESPONSES, json={"responses": []})
    assert_problem(empty, 422, "body.responses")
    assert_problem(
        await survey_client.post(
            "/api/v1/surveys/nope/responses", json={"responses": [response_item("X")]}
        ),
        404,
    )
    assert await _base_n(survey_client) == 0


async def test_too_many_responses_for_json(survey_app_factory: Any) -> None:
    client = await survey_app_factory(responses_max_items=2)
    body = {"responses": [response_item(f"M{i}") for i in range(3)]}
    assert_problem(await client.post(RESPONSES, json=body), 422, "body.responses")


async def test_a_lowercase_wave_is_read_as_in_files(survey_client: httpx.AsyncClient) -> None:
    response = await survey_client.post(
        RESPONSES, json={"responses": [response_item("LC1", wave="2022-q3")]}
    )
    assert response.status_code == 200, response.text
    groups = (await survey_client.get(RESULTS)).json()["groups"]
    assert [(g["group"], g["base_n"]) for g in groups] == [("2022-Q3", 1)]
    bad = await survey_client.post(
        RESPONSES, json={"responses": [response_item("LC2", wave="2022-q5")]}
    )
    assert_problem(bad, 422, "body.responses.0.wave")


async def test_today_is_the_london_date(
    survey_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 23:30 UTC on 30 September is already 1 October in London: Q4 has begun there.
    monkeypatch.setattr(survey_rows, "utcnow", lambda: datetime(2022, 9, 30, 23, 30, tzinfo=UTC))
    body = {
        "responses": [
            response_item("T1", wave=None, interview_date="2022-10-01"),
            response_item("T2", wave="2022-Q4"),
        ]
    }
    response = await survey_client.post(RESPONSES, json=body)
    assert response.status_code == 200, response.text
    tomorrow = {"responses": [response_item("T3", wave=None, interview_date="2022-10-02")]}
    assert_problem(
        await survey_client.post(RESPONSES, json=tomorrow), 422, "body.responses.0.interview_date"
    )


async def test_a_concurrent_insert_of_the_same_respondent_is_a_409(
    survey_client: httpx.AsyncClient, backend: str
) -> None:
    if backend == "sqlite":
        # SQLite writers take turns from their first statement on: no race to lose. Two
        # concurrent submissions of one respondent store it once, and neither is refused.
        body = {"responses": [response_item("RACE1")]}
        first, second = await asyncio.gather(
            survey_client.post(RESPONSES, json=body), survey_client.post(RESPONSES, json=body)
        )
        outcomes = sorted((first.json()["inserted"], second.json()["inserted"]))
        assert (first.status_code, second.status_code, outcomes) == (200, 200, [0, 1])
        return
    app = survey_client.app  # type: ignore[attr-defined]
    db: Database = app.state.db
    raced: list[str] = []

    async def racing_session(request: Request) -> AsyncIterator[AsyncSession]:
        # The request's session, as `request_session` opens it; another writer stores the same
        # respondent (and commits) after the request looked for it and before it inserts.
        async with db.transaction(request.method) as session:
            execute = session.execute

            async def interleaved(statement: Any, *args: Any, **kwargs: Any) -> Any:
                table = getattr(statement, "table", None)
                if (
                    isinstance(statement, Insert)
                    and getattr(table, "name", "") == "survey_response"
                ):
                    async with db.write_sessions() as other:
                        await other.execute(
                            text(
                                "INSERT INTO survey_response (survey_id, respondent_id, wave, "
                                "weight, source, created_at, updated_at) SELECT id, 'RACE1', "
                                "'2022-Q3', 1, 'api', now(), now() FROM survey_survey "
                                "WHERE code = 'opcc'"
                            )
                        )
                        await other.commit()
                    raced.append("RACE1")
                return await execute(statement, *args, **kwargs)

            session.execute = interleaved  # type: ignore[method-assign]
            yield session

    app.dependency_overrides[request_session] = racing_session
    try:
        response = await survey_client.post(RESPONSES, json={"responses": [response_item("RACE1")]})
    finally:
        app.dependency_overrides.clear()
    assert raced == ["RACE1"]
    problem = assert_problem(response, 409)
    assert problem["type"].endswith("/concurrent-write")
    assert response.headers["retry-after"] == "1"
    # Sent again, it finds the stored respondent and updates it.
    again = await survey_client.post(RESPONSES, json={"responses": [response_item("RACE1")]})
    assert again.json() == {"received": 1, "inserted": 0, "updated": 1, "unchanged": 0}
