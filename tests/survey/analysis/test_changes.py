"""Significance of change: two-proportion z on effective n's, checked with statsmodels."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from statsmodels.stats import proportion as smp

from tests.survey.conftest import (
    BASE_ANSWERS,
    MARGINS,
    generate,
    import_file,
    raked_weights,
    reference,
    to_csv,
)

CHANGES = "/api/v1/surveys/opcc/questions/informed/changes"
POPULATION = "/api/v1/surveys/opcc/population"
WAVES = [
    "2020-Q3",
    "2020-Q4",
    "2021-Q1",
    "2021-Q2",
    "2021-Q3",
    "2021-Q4",
    "2022-Q1",
    "2022-Q2",
    "2022-Q3",
]


def _expected(
    records: list[dict[str, Any]], period: list[str], baseline: list[str], weight: Any = None
) -> dict[str, Any]:
    now = reference([r for r in records if r["wave"] in period], weight=weight)
    before = reference([r for r in records if r["wave"] in baseline], weight=weight)
    out = {}
    for answer in BASE_ANSWERS:
        p1, p2 = now.share(answer), before.share(answer)
        test = smp.test_proportions_2indep(
            p1 * now.neff, now.neff, p2 * before.neff, before.neff, method="wald", compare="diff"
        )
        out[answer] = (p1, p2, (p1 - p2) * 100, test.statistic, test.pvalue)
    return out


def _assert_answers_match(answers: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    """Each answer's change against the independent two-proportion z-test."""
    for answer in answers:
        p1, p2, diff, z, p = expected[answer["answer"]]
        assert answer["share"] == pytest.approx(p1)
        assert answer["baseline_share"] == pytest.approx(p2)
        assert answer["difference_pp"] == pytest.approx(diff)
        assert answer["z"] == pytest.approx(z)
        assert answer["p"] == pytest.approx(p, rel=1e-9, abs=1e-15)
        assert answer["significant"] is bool(p < 0.05)


async def test_changes_match_statsmodels(survey_client: httpx.AsyncClient) -> None:
    records = generate(11, dict.fromkeys(WAVES, 220))
    await import_file(survey_client, to_csv(records))
    body = (await survey_client.get(CHANGES)).json()
    assert body["to_wave"] == "2022-Q3"
    comparisons = {c["kind"]: c for c in body["comparisons"]}
    expected_periods = {
        "previous_quarter": (["2022-Q3"], ["2022-Q2"]),
        "same_quarter_last_year": (["2022-Q3"], ["2021-Q3"]),
        "rolling_four_quarters": (
            ["2021-Q4", "2022-Q1", "2022-Q2", "2022-Q3"],
            ["2020-Q4", "2021-Q1", "2021-Q2", "2021-Q3"],
        ),
    }
    for kind, (period, baseline) in expected_periods.items():
        comparison = comparisons[kind]
        assert comparison["period"] == period
        assert comparison["baseline"] == baseline
        assert not set(period) & set(baseline)  # never overlapping
        assert comparison["comparable"] is True
        _assert_answers_match(comparison["answers"], _expected(records, period, baseline))
    rolling = comparisons["rolling_four_quarters"]
    pooled = reference(
        [r for r in records if r["wave"] in expected_periods["rolling_four_quarters"][0]]
    )
    assert rolling["effective_n"] == pytest.approx(pooled.neff)
    # The drift from fairly_well is large enough to be detected over a year.
    fairly = next(a for a in rolling["answers"] if a["answer"] == "fairly_well")
    assert fairly["significant"] is True
    assert fairly["difference_pp"] < 0


async def test_change_to_a_given_wave_and_unweighted(survey_client: httpx.AsyncClient) -> None:
    records = generate(12, dict.fromkeys(WAVES, 300))
    await import_file(survey_client, to_csv(records))
    body = (
        await survey_client.get(
            CHANGES, params={"to": "2022-Q1", "weighting": "none", "area": "BRS-EAST"}
        )
    ).json()
    previous = body["comparisons"][0]
    assert (previous["period"], previous["baseline"]) == (["2022-Q1"], ["2021-Q4"])
    subset = [dict(r, weight=1) for r in records if r["area"] == "BRS-EAST"]
    # Both bases clear the suppression threshold, so the test is always made and checked.
    bases = [reference([r for r in subset if r["wave"] == w]).n for w in ("2022-Q1", "2021-Q4")]
    assert min(bases) >= 50, bases
    assert (previous["base_n"], previous["baseline_base_n"]) == tuple(bases)
    assert previous["comparable"] is True
    _assert_answers_match(previous["answers"], _expected(subset, ["2022-Q1"], ["2021-Q4"]))


async def test_raked_changes_match_an_independent_rake(survey_client: httpx.AsyncClient) -> None:
    records = generate(14, dict.fromkeys(WAVES, 200))
    await import_file(survey_client, to_csv(records))
    assert (await survey_client.put(POPULATION, json=MARGINS)).status_code == 200
    weights = raked_weights(records)
    body = (await survey_client.get(CHANGES, params={"weighting": "raked"})).json()
    assert (body["to_wave"], body["weighting"]) == ("2022-Q3", "raked")
    for comparison in body["comparisons"]:
        assert comparison["comparable"] is True
        expected = _expected(
            records,
            comparison["period"],
            comparison["baseline"],
            weight=lambda r: weights[r["respondent_id"]],
        )
        for answer in comparison["answers"]:
            p1, p2, diff, z, p = expected[answer["answer"]]
            assert answer["share"] == pytest.approx(p1, rel=1e-6, abs=1e-12)
            assert answer["baseline_share"] == pytest.approx(p2, rel=1e-6, abs=1e-12)
            assert answer["difference_pp"] == pytest.approx(diff, rel=1e-5, abs=1e-9)
            assert answer["z"] == pytest.approx(z, rel=1e-5, abs=1e-9)
            assert answer["p"] == pytest.approx(p, rel=1e-5, abs=1e-12)


async def test_suppressed_or_missing_periods_are_not_tested(
    survey_client: httpx.AsyncClient,
) -> None:
    records = generate(13, {"2022-Q2": 30, "2022-Q3": 200})
    await import_file(survey_client, to_csv(records))
    comparisons = (await survey_client.get(CHANGES)).json()["comparisons"]
    for comparison in comparisons:
        assert comparison["comparable"] is False
        assert "under 50" in comparison["reason"]
        assert all(a["z"] is None and a["significant"] is None for a in comparison["answers"])
    # No wave a year before at all: a base of 0.
    assert comparisons[1]["baseline_base_n"] == 0


async def test_no_data_is_a_404_problem(survey_client: httpx.AsyncClient) -> None:
    response = await survey_client.get(CHANGES)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
