"""Results per wave, demographic and area against statistics computed independently."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from statsmodels.stats import proportion as smp

from tests.conftest import assert_problem
from tests.survey.conftest import (
    BASE_ANSWERS,
    exact,
    generate,
    import_file,
    reference,
    to_csv,
)

RESULTS = "/api/v1/surveys/opcc/questions/informed/results"
WAVES = {
    "2021-Q1": 260,
    "2021-Q2": 40,  # suppressed: base under 50
    # 2021-Q3: no responses at all
    "2021-Q4": 90,  # low base: under 100
    "2022-Q1": 300,
    "2022-Q2": 180,
}


def _check_group(group: dict[str, Any], records: list[dict[str, Any]], weight: Any = None) -> None:
    ref = reference(records, weight=weight)
    assert group["base_n"] == ref.n
    assert group["base_weighted_n"] == pytest.approx(ref.sw)
    assert group["base_effective_n"] == pytest.approx(ref.neff)
    assert group["excluded_n"] == sum(1 for r in records if r["informed"] == "dont_know")
    assert group["suppressed"] is (ref.n < 50)
    assert group["low_base"] is (ref.n < 100)
    by_answer = {a["answer"]: a for a in group["answers"]}
    assert list(by_answer) == BASE_ANSWERS  # the excluded answer is not in the base
    for answer in BASE_ANSWERS:
        got = by_answer[answer]
        count, weighted = ref.answers.get(answer, (0, 0.0))
        assert got["n"] == count
        assert got["weighted_n"] == pytest.approx(weighted)
        assert got["effective_n"] == pytest.approx(ref.neff)
        if ref.n < 50:
            assert got["share"] is None
            assert got["ci_low"] is None
            assert got["suppressed"] is True
            continue
        share = ref.share(answer)
        low, high = smp.proportion_confint(share * ref.neff, ref.neff, alpha=0.05, method="wilson")
        assert got["share"] == pytest.approx(share, abs=1e-12)
        assert got["ci_low"] == pytest.approx(low, abs=1e-7)
        assert got["ci_high"] == pytest.approx(high, abs=1e-7)


async def test_results_by_wave_match_weighted_reference(survey_client: httpx.AsyncClient) -> None:
    records = generate(1, WAVES)
    await import_file(survey_client, to_csv(records))
    body = (await survey_client.get(RESULTS, params={"by": "wave"})).json()
    assert body["from_wave"] == "2021-Q1"
    assert body["to_wave"] == "2022-Q2"
    groups = {g["group"]: g for g in body["groups"]}
    # Every wave of the range is listed, the empty one too.
    assert list(groups) == ["2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4", "2022-Q1", "2022-Q2"]
    for wave, group in groups.items():
        _check_group(group, [r for r in records if r["wave"] == wave])
    empty = groups["2021-Q3"]
    assert empty["base_n"] == 0
    assert empty["suppressed"] is True
    assert all(a["share"] is None for a in empty["answers"])
    assert groups["2021-Q2"]["suppressed"] is True
    assert groups["2021-Q4"]["low_base"] is True
    assert groups["2021-Q4"]["suppressed"] is False


async def test_unweighted_results_ignore_the_weights(survey_client: httpx.AsyncClient) -> None:
    records = generate(2, {"2022-Q1": 150})
    await import_file(survey_client, to_csv(records))
    body = (await survey_client.get(RESULTS, params={"weighting": "none"})).json()
    _check_group(body["groups"][0], records, weight=lambda r: 1.0)
    assert body["groups"][0]["base_effective_n"] == body["groups"][0]["base_n"]


async def test_results_by_area_and_demographic_with_filters(
    survey_client: httpx.AsyncClient,
) -> None:
    records = generate(3, {"2022-Q1": 400, "2022-Q2": 500})
    await import_file(survey_client, to_csv(records))
    # Default for a breakdown: the latest wave.
    body = (await survey_client.get(RESULTS, params={"by": "area"})).json()
    assert (body["from_wave"], body["to_wave"]) == ("2022-Q2", "2022-Q2")
    for group in body["groups"]:
        _check_group(
            group, [r for r in records if r["wave"] == "2022-Q2" and r["area"] == group["group"]]
        )
    # Both waves, women only, by age band.
    body = (
        await survey_client.get(
            RESULTS, params={"by": "age_band", "from": "2022-Q1", "to": "2022-Q2", "sex": "female"}
        )
    ).json()
    assert body["filters"] == {"sex": "female"}
    assert [g["group"] for g in body["groups"]] == ["16-34", "35-64", "65+"]
    for group in body["groups"]:
        _check_group(
            group, [r for r in records if r["sex"] == "female" and r["age_band"] == group["group"]]
        )
    # An empty demographic value is its own group.
    body = (await survey_client.get(RESULTS, params={"by": "ethnicity", "to": "2022-Q2"})).json()
    assert "(unknown)" in [g["group"] for g in body["groups"]]


async def test_ties_and_exact_shares(survey_client: httpx.AsyncClient) -> None:
    records = exact(
        "2022-Q1", {"fairly_well": 30, "not_very_well": 30, "not_at_all": 40, "dont_know": 7}
    )
    await import_file(survey_client, to_csv(records))
    group = (await survey_client.get(RESULTS)).json()["groups"][0]
    shares = {a["answer"]: a["share"] for a in group["answers"]}
    assert shares == {"very_well": 0.0, "fairly_well": 0.3, "not_very_well": 0.3, "not_at_all": 0.4}
    assert group["excluded_n"] == 7
    zero = group["answers"][0]
    low, high = smp.proportion_confint(0, 100, method="wilson")
    assert (zero["ci_low"], zero["ci_high"]) == (pytest.approx(low, abs=1e-9), pytest.approx(high))


async def test_no_responses_yet(survey_client: httpx.AsyncClient) -> None:
    body = (await survey_client.get(RESULTS)).json()
    assert body["groups"] == []
    ranged = (await survey_client.get(RESULTS, params={"from": "2022-Q1", "to": "2022-Q2"})).json()
    assert [g["base_n"] for g in ranged["groups"]] == [0, 0]


async def test_results_refusals(survey_client: httpx.AsyncClient) -> None:
    assert_problem(await survey_client.get("/api/v1/surveys/nope/questions/informed/results"), 404)
    assert_problem(await survey_client.get("/api/v1/surveys/opcc/questions/nope/results"), 404)
    assert_problem(await survey_client.get(RESULTS, params={"from": "2022-Q5"}), 422, "query.from")
    assert_problem(await survey_client.get(RESULTS, params={"by": "shoe_size"}), 422, "query.by")
    assert_problem(
        await survey_client.get(RESULTS, params={"from": "2022-Q3", "to": "2022-Q1"}),
        422,
        "query.to",
    )
    assert_problem(
        await survey_client.get(RESULTS, params={"weighting": "magic"}), 422, "query.weighting"
    )
    free_text = await survey_client.get("/api/v1/surveys/opcc/questions/comments/results")
    assert_problem(free_text, 422)
    raked = await survey_client.get(RESULTS, params={"weighting": "raked"})
    assert_problem(raked, 409)  # no population margins yet
