"""Several questions' results from one call: each exactly what the one-question endpoint
answers, and both against the base and shares computed directly from the records."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import assert_problem
from tests.survey.conftest import AGES, SEXES, generate, import_file, reference, to_csv

MANY = "/api/v1/surveys/opcc/results"
ONE = "/api/v1/surveys/opcc/questions/{q}/results"
QUESTIONS = ["have_say", "informed", "seen_officer", "confidence"]  # not in slot order
EXCLUDED = {"informed": ("dont_know",), "have_say": ("dont_know",)}
WAVES = {"2021-Q4": 90, "2022-Q1": 300, "2022-Q2": 40, "2022-Q4": 180}  # 2022-Q3 empty


def assert_same(got: Any, expected: Any) -> None:
    """Equal, floats to the last bits sums of partial sums can differ by."""
    if isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)
    elif isinstance(expected, dict):
        assert isinstance(got, dict)
        assert list(got) == list(expected)
        for key, value in expected.items():
            assert_same(got[key], value)
    elif isinstance(expected, list):
        assert isinstance(got, list)
        assert len(got) == len(expected)
        for a, b in zip(got, expected, strict=True):
            assert_same(a, b)
    else:
        assert got == expected


async def _many(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get(MANY, params={"questions": ",".join(QUESTIONS), **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["survey"] == "opcc"
    assert [r["question"] for r in body["results"]] == QUESTIONS  # in the order asked
    return body


@pytest.mark.parametrize(
    "params",
    [
        {"by": "wave"},
        {"by": "wave", "from": "2022-Q1", "to": "2022-Q4", "weighting": "none"},
        {"by": "area", "from": "2021-Q4", "to": "2022-Q4"},
        {"by": "age_band", "sex": "female"},
        {"by": "wave", "area": "BRS", "weighting": "raked"},
    ],
)
async def test_each_result_is_what_the_one_question_endpoint_answers(
    survey_client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    records = generate(11, WAVES)
    await import_file(survey_client, to_csv(records))
    margins = {
        "age_band_sex": [
            {"age_band": age, "sex": sex, "population": 100 + 10 * i}
            for i, (age, sex) in enumerate((a, s) for a in AGES for s in SEXES)
        ]
    }
    assert (await survey_client.put("/api/v1/surveys/opcc/population", json=margins)).is_success
    body = await _many(survey_client, **params)
    for result in body["results"]:
        one = await survey_client.get(ONE.format(q=result["question"]), params=params)
        assert one.status_code == 200, one.text
        assert_same(result, one.json())


async def test_shares_of_every_question_match_the_records(
    survey_client: httpx.AsyncClient,
) -> None:
    records = generate(12, WAVES)
    await import_file(survey_client, to_csv(records))
    body = await _many(survey_client, by="wave")
    for result in body["results"]:
        question = result["question"]
        assert [g["group"] for g in result["groups"]] == [
            "2021-Q4",
            "2022-Q1",
            "2022-Q2",
            "2022-Q3",
            "2022-Q4",
        ]
        for group in result["groups"]:
            ref = reference(
                [r for r in records if r["wave"] == group["group"]],
                question=question,
                excluded=EXCLUDED.get(question, ()),
            )
            assert group["base_n"] == ref.n
            assert group["base_weighted_n"] == pytest.approx(ref.sw)
            assert group["base_effective_n"] == pytest.approx(ref.neff)
            assert group["suppressed"] is (ref.n < 50)
            for answer in group["answers"]:
                count, weighted = ref.answers.get(answer["answer"], (0, 0.0))
                assert answer["count"] == count
                assert answer["weighted_count"] == pytest.approx(weighted)
                if ref.n >= 50:
                    assert answer["share"] == pytest.approx(ref.share(answer["answer"]), abs=1e-12)
                else:
                    assert answer["share"] is None


async def test_one_question_alone_and_no_responses(survey_client: httpx.AsyncClient) -> None:
    response = await survey_client.get(MANY, params={"questions": "informed"})
    assert response.status_code == 200, response.text
    (only,) = response.json()["results"]
    assert (only["question"], only["groups"]) == ("informed", [])


async def test_refusals_name_the_questions(survey_client: httpx.AsyncClient) -> None:
    await import_file(survey_client, to_csv(generate(13, {"2022-Q1": 60})))
    for questions in ("informed,comments", ""):
        response = await survey_client.get(MANY, params={"questions": questions})
        assert_problem(response, 422, "query.questions")
    assert_problem(await survey_client.get(MANY), 422, "query.questions")
    # An unknown question is a 404, as for one question.
    assert_problem(await survey_client.get(MANY, params={"questions": "informed,nope"}), 404)
    # A repeated question is answered once, where first named.
    repeated = await survey_client.get(MANY, params={"questions": "informed,have_say,informed"})
    assert repeated.status_code == 200, repeated.text
    assert [r["question"] for r in repeated.json()["results"]] == ["informed", "have_say"]
    unknown = await survey_client.get(
        "/api/v1/surveys/nope/results", params={"questions": "informed"}
    )
    assert_problem(unknown, 404)
    raked = await survey_client.get(
        MANY, params={"questions": "informed,have_say", "weighting": "raked"}
    )
    assert_problem(raked, 409)  # no population margins yet


async def test_a_breakdown_across_a_change_of_wording_is_refused(
    survey_client: httpx.AsyncClient,
) -> None:
    added = await survey_client.post(
        "/api/v1/surveys/opcc/questions/informed/wordings",
        json={
            "text": "How well informed are you about your local police?",
            "effective_from": "2022-Q2",
        },
    )
    assert added.status_code == 201, added.text
    await import_file(survey_client, to_csv(generate(14, {"2022-Q1": 60, "2022-Q2": 60})))
    params = {"questions": "have_say,informed", "by": "area", "from": "2022-Q1"}
    problem = assert_problem(await survey_client.get(MANY, params=params), 422, "query.from")
    assert problem["break_wave"] == "2022-Q2"
    by_wave = await _many(survey_client, by="wave")
    informed = next(r for r in by_wave["results"] if r["question"] == "informed")
    assert [g["series_break"] for g in informed["groups"]] == [False, True]
