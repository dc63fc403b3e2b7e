"""Respondent mix against the population margins, raking weights and their design effect."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from statsmodels.stats import proportion as smp

from tests.survey.conftest import (
    BASE_ANSWERS,
    MARGINS,
    generate,
    import_file,
    raked,
    to_csv,
)

POPULATION = "/api/v1/surveys/opcc/population"


async def test_raked_results_match_an_independent_rake(survey_client: httpx.AsyncClient) -> None:
    records = generate(51, {"2022-Q2": 300, "2022-Q3": 350})
    await import_file(survey_client, to_csv(records))
    await survey_client.put(POPULATION, json=MARGINS)
    body = (
        await survey_client.get(
            "/api/v1/surveys/opcc/questions/informed/results", params={"weighting": "raked"}
        )
    ).json()
    for group in body["groups"]:
        wave = [r for r in records if r["wave"] == group["group"]]
        w = raked(wave)
        in_base = np.array([bool(r["informed"]) and r["informed"] != "dont_know" for r in wave])
        sw, sw2 = w[in_base].sum(), (w[in_base] ** 2).sum()
        neff = sw**2 / sw2
        assert group["base_weighted_n"] == pytest.approx(sw, rel=1e-6)
        assert group["base_effective_n"] == pytest.approx(neff, rel=1e-6)
        for answer in group["answers"]:
            mask = np.array([r["informed"] == answer["answer"] for r in wave])
            share = w[mask].sum() / sw
            low, high = smp.proportion_confint(share * neff, neff, method="wilson")
            assert answer["share"] == pytest.approx(share, rel=1e-6, abs=1e-9)
            assert answer["ci_low"] == pytest.approx(low, rel=1e-5, abs=1e-8)
            assert answer["ci_high"] == pytest.approx(high, rel=1e-5)
        assert {a["answer"] for a in group["answers"]} == set(BASE_ANSWERS)


async def test_representativeness_mix_and_design_effect(survey_client: httpx.AsyncClient) -> None:
    records = generate(52, {"2022-Q2": 200, "2022-Q3": 260})
    await import_file(survey_client, to_csv(records))
    before = (await survey_client.get("/api/v1/surveys/opcc/representativeness")).json()
    assert before["margins_loaded"] is False
    assert before["weighting"] == []
    await survey_client.put(POPULATION, json=MARGINS)
    body = (
        await survey_client.get(
            "/api/v1/surveys/opcc/representativeness", params={"from": "2022-Q2", "to": "2022-Q3"}
        )
    ).json()
    assert body["respondents"] == len(records)
    dims = {d["dimension"]: {c["category"]: c for c in d["categories"]} for d in body["dimensions"]}
    total_age = {"16-34": 325, "35-64": 495, "65+": 180}
    for age, population in total_age.items():
        got = dims["age_band"][age]
        n = sum(1 for r in records if r["age_band"] == age)
        assert got["respondents"] == n
        assert got["sample_share"] == pytest.approx(n / len(records))
        assert got["population_share"] == pytest.approx(population / 1000)
        assert got["difference_pp"] == pytest.approx((n / len(records) - population / 1000) * 100)
    # Skewed older, as the report's "silent majority" question suspects.
    assert dims["age_band"]["65+"]["representation"] > 1.5
    assert dims["age_band"]["16-34"]["representation"] < 0.8
    for wave_weights in body["weighting"]:
        wave = [r for r in records if r["wave"] == wave_weights["wave"]]
        w = raked(wave)
        assert wave_weights["respondents"] == len(wave)
        assert wave_weights["design_effect"] == pytest.approx(
            len(w) * (w**2).sum() / w.sum() ** 2, rel=1e-6
        )
        assert wave_weights["max_weight"] == pytest.approx(w.max(), rel=1e-6)
        assert wave_weights["max_weight"] <= 5.0 + 1e-9
        assert wave_weights["design_effect"] > 1


async def test_raking_caps_weights_at_five_times_the_mean(survey_client: httpx.AsyncClient) -> None:
    records = generate(53, {"2022-Q3": 300})
    for r in records:  # almost nobody young: they would need huge weights
        if r["age_band"] == "16-34" and not r["respondent_id"].endswith(("1", "2")):
            r["age_band"] = "65+"
    await import_file(survey_client, to_csv(records))
    await survey_client.put(POPULATION, json=MARGINS)
    body = (await survey_client.get("/api/v1/surveys/opcc/representativeness")).json()
    weighting = body["weighting"][0]
    assert weighting["max_weight"] == pytest.approx(5.0)
    assert weighting["capped_cells"] > 0
    w = raked(records)
    assert weighting["design_effect"] == pytest.approx(
        len(w) * (w**2).sum() / w.sum() ** 2, rel=1e-6
    )
