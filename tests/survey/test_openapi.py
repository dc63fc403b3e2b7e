"""The OpenAPI document: every request example is accepted exactly as written."""

from __future__ import annotations

import httpx

from services.survey.population.schemas import PopulationMargins
from services.survey.surveys.schemas import WordingCreate
from tests.survey.conftest import wait_for_job


async def test_openapi_document_lists_the_survey_api(survey_client: httpx.AsyncClient) -> None:
    document = (await survey_client.get("/openapi.json")).json()
    paths = document["paths"]
    for path in (
        "/api/v1/surveys",
        "/api/v1/surveys/{code}/imports",
        "/api/v1/surveys/imports/{job_id}",
        "/api/v1/surveys/imports/{job_id}/errors.csv",
        "/api/v1/surveys/{code}/responses",
        "/api/v1/surveys/{code}/questions/{question}/results",
        "/api/v1/surveys/{code}/questions/{question}/changes",
        "/api/v1/surveys/{code}/questions/{question}/trend",
        "/api/v1/surveys/{code}/correlations",
        "/api/v1/surveys/{code}/population",
        "/api/v1/surveys/{code}/representativeness",
        "/api/v1/surveys/{code}/comments",
    ):
        assert path in paths, path
    # Every POST documents an example.
    for path, operations in paths.items():
        post = operations.get("post")
        if post is None:
            continue
        content = post["requestBody"]["content"]
        media = next(iter(content.values()))
        schema = media.get("schema", {})
        ref = schema.get("$ref", "").rsplit("/", 1)[-1]
        has_example = "examples" in media or bool(
            ref and document["components"]["schemas"][ref].get("examples")
        )
        assert has_example, path


async def test_import_example_is_accepted_as_written(survey_client: httpx.AsyncClient) -> None:
    document = (await survey_client.get("/openapi.json")).json()
    body = document["paths"]["/api/v1/surveys/{code}/imports"]["post"]["requestBody"]
    example = body["content"]["multipart/form-data"]["examples"]["csv"]["value"]["file"]
    response = await survey_client.post(
        "/api/v1/surveys/opcc/imports",
        files={"file": ("example.csv", example.encode(), "text/csv")},
    )
    assert response.status_code == 202, response.text
    job = await wait_for_job(survey_client, response.headers["location"])
    assert (job["state"], job["accepted"], job["rejected"]) == ("done", 3, 0)


async def test_wording_and_population_examples_as_written(survey_client: httpx.AsyncClient) -> None:
    wording = WordingCreate.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    response = await survey_client.post(
        "/api/v1/surveys/opcc/questions/informed/wordings", json=wording
    )
    assert response.status_code == 201, response.text
    margins = PopulationMargins.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    response = await survey_client.put("/api/v1/surveys/opcc/population", json=margins)
    assert response.status_code == 200, response.text


async def test_result_counts_and_breaks_are_described(survey_client: httpx.AsyncClient) -> None:
    document = (await survey_client.get("/openapi.json")).json()
    answer = document["components"]["schemas"]["AnswerResult"]["properties"]
    assert "base" in answer["n"]["description"]
    assert "base" in answer["weighted_n"]["description"]
    assert "this answer" in answer["count"]["description"]
    assert "those responses" in answer["weighted_count"]["description"]
    results = document["paths"]["/api/v1/surveys/{code}/questions/{question}/results"]["get"]
    assert "series-break" in results["description"]
    assert "422" in results["responses"]
    trend = document["components"]["schemas"]["AnswerTrend"]["properties"]
    assert "latest_suppressed" in trend
