"""Population margins and waves beyond sane bounds are refused, and nothing changes."""

from __future__ import annotations

import httpx

from tests.conftest import assert_problem


async def test_a_population_of_1e40_is_refused(survey_client: httpx.AsyncClient) -> None:
    before = (await survey_client.get("/api/v1/surveys/opcc/population")).status_code
    margins = {
        "age_band_sex": [{"age_band": "16-34", "sex": "female", "population": 1000}],
        "area": [{"area": "BRS-EAST", "population": 1e40}],
    }
    assert_problem(
        await survey_client.put("/api/v1/surveys/opcc/population", json=margins),
        422,
        "body.area.0.population",
    )
    # Still no margins stored (the store had none).
    assert before == 404
    assert (await survey_client.get("/api/v1/surveys/opcc/population")).status_code == 404


async def test_a_wave_outside_1900_to_2100_is_refused(survey_client: httpx.AsyncClient) -> None:
    response = await survey_client.get(
        "/api/v1/surveys/opcc/questions/informed/results", params={"from": "0001-Q1"}
    )
    assert_problem(response, 422, "query.from")
