"""Trend per answer: Mann-Kendall (pymannkendall), Theil-Sen (scipy), record highs and lows."""

from __future__ import annotations

import httpx
import pymannkendall
import pytest
from scipy import stats

from shared.contracts.survey import wave_index, wave_range
from tests.survey.conftest import (
    BASE_ANSWERS,
    MARGINS,
    exact,
    generate,
    import_file,
    raked_weights,
    reference,
    to_csv,
)

TREND = "/api/v1/surveys/opcc/questions/informed/trend"
POPULATION = "/api/v1/surveys/opcc/population"


async def test_trend_matches_pymannkendall_and_scipy(survey_client: httpx.AsyncClient) -> None:
    waves = wave_range("2016-Q1", "2022-Q3")
    plan = dict.fromkeys(waves, 120)
    plan["2018-Q2"] = 30  # suppressed: left out of the series
    del plan["2019-Q1"]  # no responses: left out too
    records = generate(21, plan)
    await import_file(survey_client, to_csv(records))
    body = (await survey_client.get(TREND)).json()
    assert (body["first_wave"], body["last_wave"]) == ("2016-Q1", "2022-Q3")
    assert body["series_starts_at_break"] is False
    series_waves = [w for w in waves if w in plan and plan[w] >= 50]
    for answer in body["answers"]:
        shares = [
            reference([r for r in records if r["wave"] == w]).share(answer["answer"])
            for w in series_waves
        ]
        assert answer["waves"] == len(series_waves)
        mk = pymannkendall.original_test(shares)
        assert answer["mann_kendall_s"] == pytest.approx(mk.s)
        assert answer["mann_kendall_tau"] == pytest.approx(mk.Tau)
        assert answer["z"] == pytest.approx(mk.z)
        assert answer["p"] == pytest.approx(mk.p, rel=1e-9, abs=1e-15)
        assert answer["trend"] == mk.trend
        ts = stats.theilslopes([s * 100 for s in shares], [wave_index(w) / 4 for w in series_waves])
        assert answer["slope_pp_per_year"] == pytest.approx(ts.slope)
        latest, earlier = shares[-1], shares[:-1]
        assert answer["latest_wave"] == "2022-Q3"
        assert answer["latest_share"] == pytest.approx(latest)
        assert answer["record_high"] is all(latest > s for s in earlier)
        assert answer["record_low"] is all(latest < s for s in earlier)
        higher = [w for w, s in zip(series_waves[:-1], earlier, strict=True) if s > latest]
        assert answer["last_higher_wave"] == (higher[-1] if higher else None)
    fairly = next(a for a in body["answers"] if a["answer"] == "fairly_well")
    assert fairly["trend"] == "decreasing"
    assert fairly["slope_pp_per_year"] < 0


async def test_ties_and_records(survey_client: httpx.AsyncClient) -> None:
    # not_very_well: 30, 30, 30, 40, 40, 56 of 100: tied values, then the highest since the start.
    counts = [30, 30, 30, 40, 40, 56]
    waves = wave_range("2021-Q2", "2022-Q3")
    records = []
    for wave, c in zip(waves, counts, strict=True):
        records += exact(wave, {"not_very_well": c, "fairly_well": 100 - c})
    await import_file(survey_client, to_csv(records))
    body = (await survey_client.get(TREND, params={"weighting": "none"})).json()
    answers = {a["answer"]: a for a in body["answers"]}
    shares = [c / 100 for c in counts]
    mk = pymannkendall.original_test(shares)
    nvw = answers["not_very_well"]
    assert nvw["mann_kendall_s"] == mk.s
    assert nvw["p"] == pytest.approx(mk.p)
    assert nvw["record_high"] is True
    assert nvw["last_higher_wave"] is None
    assert answers["fairly_well"]["record_low"] is True
    very = answers["very_well"]  # constant 0: no trend, no record
    assert very["trend"] == "no trend"
    assert very["slope_pp_per_year"] == 0
    assert very["record_high"] is False
    assert very["record_low"] is False


async def test_too_few_waves_give_no_test(survey_client: httpx.AsyncClient) -> None:
    await import_file(survey_client, to_csv(generate(22, {"2022-Q2": 80, "2022-Q3": 80})))
    answer = (await survey_client.get(TREND)).json()["answers"][1]
    assert answer["waves"] == 2
    assert answer["p"] is None
    assert answer["trend"] is None
    assert answer["latest_wave"] == "2022-Q3"


async def test_a_suppressed_or_empty_latest_wave_is_not_replaced_by_an_older_one(
    survey_client: httpx.AsyncClient,
) -> None:
    full = wave_range("2021-Q1", "2022-Q2")
    plan = dict.fromkeys(full, 120)
    plan["2022-Q3"] = 30  # the latest wave: a base under 50
    records = generate(23, plan)
    await import_file(survey_client, to_csv(records))
    shares = {
        a: [reference([r for r in records if r["wave"] == w]).share(a) for w in full]
        for a in BASE_ANSWERS
    }
    for params, latest in (({}, "2022-Q3"), ({"to": "2022-Q4"}, "2022-Q4")):
        body = (await survey_client.get(TREND, params=params)).json()
        assert body["last_wave"] == latest
        for answer in body["answers"]:
            assert answer["latest_wave"] == latest
            assert answer["latest_suppressed"] is True
            assert answer["latest_share"] is None
            assert answer["record_high"] is None
            assert answer["record_low"] is None
            assert answer["last_higher_wave"] is None
            assert answer["last_lower_wave"] is None
            # The test itself runs on the waves that can be shown.
            assert answer["waves"] == len(full)
            mk = pymannkendall.original_test(shares[answer["answer"]])
            assert answer["mann_kendall_s"] == pytest.approx(mk.s)
            assert answer["p"] == pytest.approx(mk.p, rel=1e-9, abs=1e-15)
    # Up to the last wave with a base: records as usual.
    body = (await survey_client.get(TREND, params={"to": "2022-Q2"})).json()
    for answer in body["answers"]:
        values = shares[answer["answer"]]
        assert (answer["latest_wave"], answer["latest_suppressed"]) == ("2022-Q2", False)
        assert answer["latest_share"] == pytest.approx(values[-1])
        assert answer["record_high"] is all(values[-1] > v for v in values[:-1])
        assert answer["record_low"] is all(values[-1] < v for v in values[:-1])


async def test_raked_trend_matches_an_independent_rake(survey_client: httpx.AsyncClient) -> None:
    waves = wave_range("2021-Q1", "2022-Q3")
    records = generate(24, dict.fromkeys(waves, 150))
    await import_file(survey_client, to_csv(records))
    assert (await survey_client.put(POPULATION, json=MARGINS)).status_code == 200
    weights = raked_weights(records)
    body = (await survey_client.get(TREND, params={"weighting": "raked"})).json()
    assert body["weighting"] == "raked"
    for answer in body["answers"]:
        shares = [
            reference(
                [r for r in records if r["wave"] == w], weight=lambda r: weights[r["respondent_id"]]
            ).share(answer["answer"])
            for w in waves
        ]
        mk = pymannkendall.original_test(shares)
        assert answer["waves"] == len(waves)
        assert answer["mann_kendall_s"] == pytest.approx(mk.s)
        assert answer["z"] == pytest.approx(mk.z, rel=1e-6, abs=1e-9)
        assert answer["p"] == pytest.approx(mk.p, rel=1e-6, abs=1e-12)
        ts = stats.theilslopes([s * 100 for s in shares], [wave_index(w) / 4 for w in waves])
        assert answer["slope_pp_per_year"] == pytest.approx(ts.slope, rel=1e-6, abs=1e-9)
        assert answer["latest_share"] == pytest.approx(shares[-1], rel=1e-6, abs=1e-12)
