"""Results per wave, demographic and area against statistics computed independently."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from statsmodels.stats import proportion as smp

from services.survey.analysis import raking
from tests.conftest import assert_problem
from tests.survey.conftest import (
    AGES,
    BASE_ANSWERS,
    SEXES,
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
        # DESIGN: `n` is the unweighted base (shared by the answers); the answer's own
        # responses are `count` / `weighted_count`.
        assert got["count"] == count
        assert got["weighted_count"] == pytest.approx(weighted)
        assert got["n"] == ref.n
        assert got["weighted_n"] == pytest.approx(ref.sw)
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


async def test_a_breakdown_never_pools_two_wordings(survey_client: httpx.AsyncClient) -> None:
    seeded = (await survey_client.get("/api/v1/surveys/opcc")).json()["questions"][0]["text"]
    new_words = "How well informed are you about what your local police are doing?"
    added = await survey_client.post(
        "/api/v1/surveys/opcc/questions/informed/wordings",
        json={"text": new_words, "effective_from": "2022-Q3"},
    )
    assert added.status_code == 201, added.text
    records = []
    for wave in ("2022-Q1", "2022-Q2", "2022-Q3", "2022-Q4"):
        records += exact(wave, {"fairly_well": 40, "not_very_well": 60})
    await import_file(survey_client, to_csv(records))

    async def by_area(**params: str) -> httpx.Response:
        return await survey_client.get(RESULTS, params={"by": "area", **params})

    # Default: the latest wave alone, in the words it was asked with.
    body = (await by_area()).json()
    assert (body["from_wave"], body["to_wave"]) == ("2022-Q4", "2022-Q4")
    assert (body["question_text"], body["wording_version"]) == (new_words, 2)
    # Ranges within one wording are summed, and carry that wording's text.
    body = (await by_area(**{"from": "2022-Q1", "to": "2022-Q2"})).json()
    assert (body["question_text"], body["wording_version"]) == (seeded, 1)
    assert sum(g["base_n"] for g in body["groups"]) == 200
    body = (await by_area(**{"from": "2022-Q3"})).json()
    assert (body["from_wave"], body["to_wave"], body["wording_version"]) == (
        "2022-Q3",
        "2022-Q4",
        2,
    )
    assert sum(g["base_n"] for g in body["groups"]) == 200
    # A range across the change is refused, naming both ends and the wave of the break.
    for params in ({"from": "2022-Q2", "to": "2022-Q3"}, {"from": "2022-Q1"}):
        problem = assert_problem(await by_area(**params), 422, "query.from", "query.to")
        assert problem["type"].endswith("/series-break")
        assert problem["break_wave"] == "2022-Q3"
        assert "2022-Q3" in problem["detail"]
    # By wave, a range across the change is a series with its break flagged.
    body = (await survey_client.get(RESULTS, params={"from": "2022-Q1"})).json()
    assert [g["series_break"] for g in body["groups"]] == [False, False, True, False]
    assert body["question_text"] == new_words
    body = (await survey_client.get(RESULTS, params={"to": "2022-Q2"})).json()
    assert (body["question_text"], body["wording_version"]) == (seeded, 1)


async def test_raking_runs_off_the_event_loop(
    survey_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_loop: list[bool] = []
    real_rake = raking.rake

    def watched(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:  # a worker thread has no running loop
            on_loop.append(False)
        return real_rake(*args, **kwargs)

    monkeypatch.setattr(raking, "rake", watched)
    await import_file(survey_client, to_csv(generate(5, {"2022-Q2": 60, "2022-Q3": 60})))
    margins = {
        "age_band_sex": [
            {"age_band": age, "sex": sex, "population": 100} for age in AGES for sex in SEXES
        ]
    }
    assert (await survey_client.put("/api/v1/surveys/opcc/population", json=margins)).is_success
    response = await survey_client.get(RESULTS, params={"weighting": "raked"})
    assert response.status_code == 200, response.text
    assert on_loop == [False, False]  # one rake per wave, both in a worker thread
