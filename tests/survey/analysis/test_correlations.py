"""Correlation between answer-category series across waves, checked with scipy."""

from __future__ import annotations

import httpx
import pytest
from scipy import stats

from shared.contracts.survey import wave_range
from tests.conftest import assert_problem
from tests.survey.conftest import BASE_ANSWERS, generate, import_file, reference, to_csv

CORRELATIONS = "/api/v1/surveys/opcc/correlations"


async def test_pearson_between_answer_series_matches_scipy(
    survey_client: httpx.AsyncClient,
) -> None:
    waves = wave_range("2019-Q1", "2022-Q3")
    plan = dict.fromkeys(waves, 150)
    plan["2020-Q2"] = 20  # suppressed wave: not in the series
    records = generate(31, plan)
    await import_file(survey_client, to_csv(records))
    body = (await survey_client.get(CORRELATIONS, params={"question": "informed"})).json()
    series = [w for w in waves if plan[w] >= 50]
    shares = {
        a: [reference([r for r in records if r["wave"] == w]).share(a) for w in series]
        for a in BASE_ANSWERS
    }
    pairs = {(p["answer_a"], p["answer_b"]): p for p in body["pairs"]}
    assert len(pairs) == 6
    for (a, b), pair in pairs.items():
        ref = stats.pearsonr(shares[a], shares[b])
        assert pair["waves"] == len(series)
        assert pair["r"] == pytest.approx(ref.statistic, rel=1e-9)
        assert pair["p"] == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-14)
        assert pair["significant"] is bool(ref.pvalue < 0.05)
    # The report's pattern: fairly well falls as not very well rises.
    assert pairs[("fairly_well", "not_very_well")]["r"] < 0


async def test_correlations_stay_within_the_current_wording(
    survey_client: httpx.AsyncClient,
) -> None:
    waves = wave_range("2019-Q1", "2022-Q3")
    records = generate(32, dict.fromkeys(waves, 120))
    await import_file(survey_client, to_csv(records))
    added = await survey_client.post(
        "/api/v1/surveys/opcc/questions/informed/wordings",
        json={
            "text": "How well informed are you about local policing?",
            "effective_from": "2021-Q1",
        },
    )
    assert added.status_code == 201, added.text
    body = (await survey_client.get(CORRELATIONS, params={"question": "informed"})).json()
    # Only the waves asked with the current words: the series starts at the change.
    assert (body["from_wave"], body["to_wave"]) == ("2021-Q1", "2022-Q3")
    assert body["series_starts_at_break"] is True
    series = wave_range("2021-Q1", "2022-Q3")
    shares = {
        a: [reference([r for r in records if r["wave"] == w]).share(a) for w in series]
        for a in BASE_ANSWERS
    }
    for pair in body["pairs"]:
        ref = stats.pearsonr(shares[pair["answer_a"]], shares[pair["answer_b"]])
        assert pair["waves"] == len(series)
        assert pair["r"] == pytest.approx(ref.statistic, rel=1e-9)
        assert pair["p"] == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-14)
    # Up to the wave before the change: the earlier wording's own series, no break in it.
    before = (
        await survey_client.get(CORRELATIONS, params={"question": "informed", "to": "2020-Q4"})
    ).json()
    assert (before["from_wave"], before["to_wave"]) == ("2019-Q1", "2020-Q4")
    assert before["series_starts_at_break"] is False
    assert {p["waves"] for p in before["pairs"]} == {8}


async def test_correlation_refusals(survey_client: httpx.AsyncClient) -> None:
    assert_problem(await survey_client.get(CORRELATIONS), 422, "query.question")
    assert_problem(await survey_client.get(CORRELATIONS, params={"question": "nope"}), 404)
    body = (await survey_client.get(CORRELATIONS, params={"question": "have_say"})).json()
    assert body["pairs"] == [
        {"answer_a": "yes", "answer_b": "no", "waves": 0, "r": None, "p": None, "significant": None}
    ]
