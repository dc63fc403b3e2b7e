"""Free-text comments: stored, searchable, and only for callers with the survey:read scope."""

from __future__ import annotations

import httpx

from tests.conftest import assert_problem
from tests.support.identity import identity
from tests.survey.conftest import csv_bytes, import_file

COMMENTS = "/api/v1/surveys/opcc/comments"


async def _load(client: httpx.AsyncClient) -> None:
    header = ["respondent_id", "wave", "area", "age_band", "sex", "informed", "comments"]
    rows = [
        [
            "C1",
            "2022-Q2",
            "BRS-EAST",
            "65+",
            "female",
            "very_well",
            "Never see a PCSO on my street",
        ],
        ["C2", "2022-Q3", "BRS-WEST", "16-34", "male", "not_at_all", "Speeding on the main road"],
        ["C3", "2022-Q3", "BRS-EAST", "35-64", "male", "fairly_well", ""],
        [
            "C4",
            "2022-Q3",
            "BRS-EAST",
            "35-64",
            "female",
            "fairly_well",
            "pcso was helpful; 100% better",
        ],
    ]
    await import_file(client, csv_bytes(rows, header))


async def test_search_comments(survey_client: httpx.AsyncClient) -> None:
    await _load(survey_client)
    everything = (await survey_client.get(COMMENTS)).json()
    assert [c["respondent_id"] for c in everything["items"]] == ["C1", "C2", "C4"]
    found = (await survey_client.get(COMMENTS, params={"q": "PcSo"})).json()
    assert [c["respondent_id"] for c in found["items"]] == ["C1", "C4"]
    assert found["items"][0] == {
        "respondent_id": "C1",
        "wave": "2022-Q2",
        "area": "BRS-EAST",
        "question": "comments",
        "text": "Never see a PCSO on my street",
    }
    # A literal %, not a wildcard.
    assert [
        c["respondent_id"]
        for c in (await survey_client.get(COMMENTS, params={"q": "100%"})).json()["items"]
    ] == ["C4"]
    assert [
        c["respondent_id"]
        for c in (await survey_client.get(COMMENTS, params={"q": "%"})).json()["items"]
    ] == ["C4"]
    by_wave = (
        await survey_client.get(COMMENTS, params={"wave": "2022-Q3", "area": "BRS-EAST"})
    ).json()
    assert [c["respondent_id"] for c in by_wave["items"]] == ["C4"]
    page = (await survey_client.get(COMMENTS, params={"limit": 2})).json()
    assert [c["respondent_id"] for c in page["items"]] == ["C1", "C2"]
    rest = (
        await survey_client.get(COMMENTS, params={"limit": 2, "cursor": page["next_cursor"]})
    ).json()
    assert [c["respondent_id"] for c in rest["items"]] == ["C4"]
    assert rest["next_cursor"] is None
    assert_problem(
        await survey_client.get(COMMENTS, params={"question": "informed"}), 422, "query.question"
    )
    assert_problem(
        await survey_client.get(COMMENTS, params={"cursor": "garbage"}), 422, "query.cursor"
    )


async def test_comments_and_results_need_the_survey_read_scope(
    survey_client: httpx.AsyncClient,
) -> None:
    await _load(survey_client)
    other = identity(["activity:read"])
    assert_problem(await survey_client.get(COMMENTS, headers=other), 403)
    assert_problem(await survey_client.get("/api/v1/surveys", headers=other), 403)
    assert_problem(await survey_client.get(COMMENTS, headers={"X-API-Key": ""}), 401)
    reader = identity(["survey:read"])
    assert (await survey_client.get(COMMENTS, headers=reader)).status_code == 200
    # Reading is not writing.
    write = await survey_client.post(
        "/api/v1/surveys/opcc/imports",
        files={"file": ("f.csv", b"respondent_id\n", "text/csv")},
        headers=reader,
    )
    assert_problem(write, 403)
    assert_problem(
        await survey_client.put(
            "/api/v1/surveys/opcc/population", json={"age_band_sex": []}, headers=reader
        ),
        403,
    )
