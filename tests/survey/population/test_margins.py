"""Population margins: stored as sent, replaced whole, refused when invalid."""

from __future__ import annotations

import httpx

from services.survey.population.schemas import PopulationMargins
from tests.conftest import assert_problem
from tests.survey.conftest import MARGINS

POPULATION = "/api/v1/surveys/opcc/population"


async def test_margins_round_trip_and_refusals(survey_client: httpx.AsyncClient) -> None:
    assert_problem(await survey_client.get(POPULATION), 404)
    example = PopulationMargins.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    assert (await survey_client.put(POPULATION, json=example)).status_code == 200
    put = await survey_client.put(POPULATION, json=MARGINS)
    assert put.status_code == 200, put.text
    got = (await survey_client.get(POPULATION)).json()
    assert sorted(
        (c["age_band"], c["sex"], c["population"]) for c in got["age_band_sex"]
    ) == sorted((c["age_band"], c["sex"], c["population"]) for c in MARGINS["age_band_sex"])
    assert len(got["area"]) == 3  # replaced, not added to
    bad = {"age_band_sex": [{"age_band": "16-34", "sex": "f", "population": -1}]}
    assert_problem(
        await survey_client.put(POPULATION, json=bad), 422, "body.age_band_sex.0.population"
    )
    twice = {"age_band_sex": MARGINS["age_band_sex"] * 2}
    assert_problem(await survey_client.put(POPULATION, json=twice), 422)
