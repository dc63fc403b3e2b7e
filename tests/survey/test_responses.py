"""Small JSON submissions: the same rules as imports, all or nothing."""

from __future__ import annotations

from typing import Any

import httpx

from services.survey.schemas import ResponsesSubmit
from tests.conftest import assert_problem

RESPONSES = "/api/v1/surveys/opcc/responses"
RESULTS = "/api/v1/surveys/opcc/questions/informed/results"


def _item(rid: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "respondent_id": rid,
        "wave": "2022-Q3",
        "area": "BRS-EAST",
        "age_band": "35-64",
        "sex": "female",
        "answers": {"informed": "Fairly well informed", "have_say": "NO"},
    }
    body.update(overrides)
    return body


async def _base_n(client: httpx.AsyncClient) -> int:
    groups = (await client.get(RESULTS, params={"weighting": "none"})).json()["groups"]
    return sum(g["base_n"] for g in groups)


async def test_openapi_example_is_accepted_as_written(survey_client: httpx.AsyncClient) -> None:
    example = ResponsesSubmit.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    response = await survey_client.post(RESPONSES, json=example)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 1, "inserted": 1, "updated": 0, "unchanged": 0}


async def test_submit_then_resend_then_change(survey_client: httpx.AsyncClient) -> None:
    body = {"responses": [_item("W1"), _item("W2", interview_date="2022-07-04", wave=None)]}
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
            _item("OK1"),
            _item("BAD1", answers={"informed": "somewhat", "shoe_size": "9"}),
            _item("BAD2", wave="2099-Q1"),
            _item("OK1"),
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
    no_wave = await survey_client.post(RESPONSES, json={"responses": [_item("N1", wave=None)]})
    assert_problem(no_wave, 422)
    unknown = await survey_client.post(RESPONSES, json={"responses": [_item("N2", colour="red")]})
    assert_problem(unknown, 422, "body.responses.0.colour")
    weight = await survey_client.post(RESPONSES, json={"responses": [_item("N3", weight=0)]})
    assert_problem(weight, 422, "body.responses.0.weight")
    empty = await survey_client.post(RESPONSES, json={"responses": []})
    assert_problem(empty, 422, "body.responses")
    assert_problem(
        await survey_client.post(
            "/api/v1/surveys/nope/responses", json={"responses": [_item("X")]}
        ),
        404,
    )
    assert await _base_n(survey_client) == 0


async def test_too_many_responses_for_json(survey_app_factory: Any) -> None:
    client = await survey_app_factory(responses_max_items=2)
    body = {"responses": [_item(f"M{i}") for i in range(3)]}
    assert_problem(await client.post(RESPONSES, json=body), 422, "body.responses")
