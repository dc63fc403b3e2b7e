"""Survey definitions: the seeded OPCC survey, new surveys without code, wording versions."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from services.survey.surveys.schemas import SurveyCreate, WordingCreate
from shared.db import create_engine
from shared.migrations import downgrade, upgrade
from tests.conftest import assert_problem
from tests.support.databases import DatabaseFactory
from tests.survey.conftest import exact, import_file, to_csv

DESIGN_INFORMED = (
    "How well informed do you feel about what the police are doing to tackle crime and ASB?"
)
SEEDED_INFORMED = (
    "How well informed do you feel about what the police are doing to tackle crime and "
    "anti-social behaviour in your local area?"
)
BEFORE_CORRECTION = "ca3254081e0b"


async def test_opcc_survey_is_seeded(survey_client: httpx.AsyncClient) -> None:
    surveys = (await survey_client.get("/api/v1/surveys")).json()
    assert [s["code"] for s in surveys] == ["opcc"]
    opcc = (await survey_client.get("/api/v1/surveys/opcc")).json()
    questions = {q["code"]: q for q in opcc["questions"]}
    assert list(questions) == ["informed", "have_say", "seen_officer", "confidence", "comments"]
    informed = questions["informed"]
    assert [o["code"] for o in informed["options"]] == [
        "very_well",
        "fairly_well",
        "not_very_well",
        "not_at_all",
        "dont_know",
    ]
    assert [o["code"] for o in informed["options"] if o["excluded_from_base"]] == ["dont_know"]
    assert informed["text"] == DESIGN_INFORMED  # the survey's published words
    assert informed["version"] == 1
    assert informed["wordings"] == [
        {"version": 1, "text": informed["text"], "effective_from": None}
    ]
    assert questions["comments"]["kind"] == "free_text"


async def test_create_survey_from_the_openapi_example(survey_client: httpx.AsyncClient) -> None:
    example = SurveyCreate.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    response = await survey_client.post("/api/v1/surveys", json=example)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/api/v1/surveys/two_minute"
    assert (await survey_client.get(response.headers["location"])).json() == response.json()
    # The same definition again is a replay; the same code defined otherwise is a conflict.
    again = await survey_client.post("/api/v1/surveys", json=example)
    assert again.status_code == 200, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == response.json()
    other = {**example, "title": "Another survey under the same code"}
    assert_problem(await survey_client.post("/api/v1/surveys", json=other), 409)
    # The new survey takes imports and answers results with no code change.
    data = b"respondent_id,wave,area,age_band,sex,know_team,priority\n"
    data += b"".join(
        f"T{i},2022-Q3,BRS-EAST,16-34,male,{'Yes' if i % 3 else 'not sure'},Speeding\n".encode()
        for i in range(90)
    )
    job = await import_file(survey_client, data, survey="two_minute")
    assert job["accepted"] == 90
    result = (
        await survey_client.get("/api/v1/surveys/two_minute/questions/know_team/results")
    ).json()
    group = result["groups"][0]
    assert group["excluded_n"] == 30
    assert {a["answer"]: a["share"] for a in group["answers"]} == {"yes": 1.0, "no": 0.0}


async def test_invalid_definitions_are_named(survey_client: httpx.AsyncClient) -> None:
    def survey(**overrides: object) -> dict[str, object]:
        body: dict[str, object] = {
            "code": "local",
            "title": "Local",
            "questions": [
                {
                    "code": "q1",
                    "text": "Q?",
                    "options": [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}],
                }
            ],
        }
        body.update(overrides)
        return body

    post = survey_client.post
    assert_problem(await post("/api/v1/surveys", json=survey(code="Bad Code")), 422, "body.code")
    assert_problem(await post("/api/v1/surveys", json=survey(code="imports")), 422)
    assert_problem(await post("/api/v1/surveys", json=survey(questions=[])), 422, "body.questions")
    one_option = [{"code": "q1", "text": "Q?", "options": [{"code": "a", "label": "A"}]}]
    assert_problem(await post("/api/v1/surveys", json=survey(questions=one_option)), 422)
    reserved = [{"code": "area", "text": "Where?", "kind": "free_text"}]
    assert_problem(await post("/api/v1/surveys", json=survey(questions=reserved)), 422)
    twice = [
        {
            "code": "q1",
            "text": "Q?",
            "options": [{"code": "a", "label": "A"}, {"code": "a", "label": "B"}],
        }
    ]
    assert_problem(await post("/api/v1/surveys", json=survey(questions=twice)), 422)
    assert [s["code"] for s in (await survey_client.get("/api/v1/surveys")).json()] == ["opcc"]
    assert_problem(await survey_client.get("/api/v1/surveys/nope"), 404)


async def test_new_wording_breaks_the_series(survey_client: httpx.AsyncClient) -> None:
    example = WordingCreate.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    url = "/api/v1/surveys/opcc/questions/informed/wordings"
    response = await survey_client.post(url, json={**example, "effective_from": "2022-Q3"})
    assert response.status_code == 201, response.text
    question = response.json()
    assert question["version"] == 2
    assert question["text"] == example["text"]
    assert [w["effective_from"] for w in question["wordings"]] == [None, "2022-Q3"]
    # Not earlier than the current wording, and not the same words.
    assert_problem(
        await survey_client.post(url, json=example | {"effective_from": "2022-Q2"}),
        422,
        "body.effective_from",
    )
    assert_problem(
        await survey_client.post(url, json={**example, "effective_from": "2023-Q1"}),
        422,
        "body.text",
    )
    assert_problem(
        await survey_client.post("/api/v1/surveys/opcc/questions/nope/wordings", json=example), 404
    )

    records = []
    for wave in ("2021-Q4", "2022-Q1", "2022-Q2", "2022-Q3", "2022-Q4"):
        records += exact(wave, {"fairly_well": 40, "not_very_well": 60})
    await import_file(survey_client, to_csv(records))
    groups = (
        await survey_client.get(
            "/api/v1/surveys/opcc/questions/informed/results", params={"to": "2022-Q3"}
        )
    ).json()["groups"]
    assert [(g["group"], g["wording_version"], g["series_break"]) for g in groups] == [
        ("2021-Q4", 1, False),
        ("2022-Q1", 1, False),
        ("2022-Q2", 1, False),
        ("2022-Q3", 2, True),
    ]
    changes = (
        await survey_client.get(
            "/api/v1/surveys/opcc/questions/informed/changes", params={"to": "2022-Q3"}
        )
    ).json()["comparisons"]
    assert all(c["comparable"] is False and "wording" in c["reason"] for c in changes)
    trend = (await survey_client.get("/api/v1/surveys/opcc/questions/informed/trend")).json()
    assert trend["first_wave"] == "2022-Q3"
    assert trend["series_starts_at_break"] is True


async def _informed_texts(url: str) -> tuple[str, list[tuple[int, str]]]:
    """The `informed` question's text, and its wordings (version, text)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            question = (
                await conn.execute(
                    text(
                        "SELECT q.id, q.text FROM survey_question q JOIN survey_survey s "
                        "ON s.id = q.survey_id WHERE s.code = 'opcc' AND q.code = 'informed'"
                    )
                )
            ).one()
            wordings = (
                await conn.execute(
                    text(
                        "SELECT version, text FROM survey_question_wording "
                        "WHERE question_id = :q ORDER BY version"
                    ),
                    {"q": question[0]},
                )
            ).all()
    finally:
        await engine.dispose()
    return question[1], [(v, t) for v, t in wordings]


async def test_the_seeded_wording_is_corrected_in_place_and_back(
    databases: DatabaseFactory,
) -> None:
    url = await databases.empty("survey_wording")
    await upgrade("survey", url, BEFORE_CORRECTION)
    assert await _informed_texts(url) == (SEEDED_INFORMED, [(1, SEEDED_INFORMED)])
    await upgrade("survey", url)
    # A correction of the seed, not a new wording: still version 1, no break in the series.
    assert await _informed_texts(url) == (DESIGN_INFORMED, [(1, DESIGN_INFORMED)])
    await downgrade("survey", url, BEFORE_CORRECTION)
    assert await _informed_texts(url) == (SEEDED_INFORMED, [(1, SEEDED_INFORMED)])
    # A wording recorded since the seed is kept: only the seeded words are corrected.
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            qid = (
                await conn.execute(text("SELECT id FROM survey_question WHERE code = 'informed'"))
            ).scalar_one()
            await conn.execute(
                text("UPDATE survey_question SET text = 'Newer words?', version = 2 WHERE id = :q"),
                {"q": qid},
            )
            await conn.execute(
                text(
                    "INSERT INTO survey_question_wording (question_id, version, text, "
                    "effective_from, created_at) VALUES (:q, 2, 'Newer words?', '2023-Q1', "
                    "CURRENT_TIMESTAMP)"
                ),
                {"q": qid},
            )
    finally:
        await engine.dispose()
    await upgrade("survey", url)
    assert await _informed_texts(url) == (
        "Newer words?",
        [(1, DESIGN_INFORMED), (2, "Newer words?")],
    )
