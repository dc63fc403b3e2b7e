"""Body size limits: only the multipart file import may be large; JSON keeps the 2 MiB limit."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.conftest import assert_problem
from tests.survey.conftest import generate, response_item, to_csv

RESPONSES = "/api/v1/surveys/opcc/responses"
RESULTS = "/api/v1/surveys/opcc/questions/informed/results"


async def test_json_bodies_keep_the_small_limit(survey_client: httpx.AsyncClient) -> None:
    # Only file imports may be large: a JSON body over 2 MiB is refused before it is read.
    padding = "x" * 4000
    items = [response_item(f"P{i}", answers={"comments": padding}) for i in range(600)]
    body = json.dumps({"responses": items}).encode()
    assert len(body) > 2 * 1024 * 1024
    headers = {"content-type": "application/json"}
    response = await survey_client.post(RESPONSES, content=body, headers=headers)
    assert_problem(response, 413)
    population = await survey_client.put(
        "/api/v1/surveys/opcc/population", content=body, headers=headers
    )
    assert_problem(population, 413)
    wording = await survey_client.post(
        "/api/v1/surveys/opcc/questions/informed/wordings", content=body, headers=headers
    )
    assert_problem(wording, 413)
    assert (await survey_client.get(RESULTS)).json()["groups"] == []


async def test_the_import_path_alone_takes_large_bodies(survey_app_factory: Any) -> None:
    client = await survey_app_factory(max_body_bytes=4096)
    data = to_csv(generate(7, {"2022-Q3": 100}))
    assert len(data) > 4096
    upload = await client.post(
        "/api/v1/surveys/opcc/imports", files={"file": ("wave.csv", data, "text/csv")}
    )
    assert upload.status_code == 202, upload.text
    big = {"responses": [response_item(f"B{i}") for i in range(40)]}
    assert len(json.dumps(big)) > 4096
    assert_problem(await client.post(RESPONSES, json=big), 413)
