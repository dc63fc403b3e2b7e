"""District limits in the survey service (`districts.in_districts`): a caller limited to
districts counts and reads only the responses whose area is one of its districts."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.identity import identity
from tests.survey.conftest import generate, import_file, to_csv

QUESTION = "/api/v1/surveys/opcc/questions/informed"


def _east() -> dict[str, str]:
    return identity(["survey:read"], districts=["BRS-EAST"])


def _without_echo(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "filters"}


async def test_results_changes_and_trend_count_only_the_callers_districts(
    survey_client: httpx.AsyncClient,
) -> None:
    records = generate(11, {"2021-Q4": 500, "2022-Q1": 600, "2022-Q2": 600})
    await import_file(survey_client, to_csv(records))
    assert {r["area"] for r in records} > {"BRS-EAST"}
    for path, params in (
        ("/results", {"by": "wave"}),
        ("/results", {"by": "area", "from": "2021-Q4", "to": "2022-Q2"}),
        ("/changes", {}),
        ("/trend", {}),
    ):
        limited = await survey_client.get(QUESTION + path, params=params, headers=_east())
        assert limited.status_code == 200, limited.text
        chosen = await survey_client.get(QUESTION + path, params={**params, "area": "BRS-EAST"})
        assert _without_echo(limited.json()) == _without_echo(chosen.json()), path
        force = await survey_client.get(QUESTION + path, params=params)
        assert _without_echo(force.json()) != _without_echo(limited.json()), path
    by_area = await survey_client.get(QUESTION + "/results", params={"by": "area"}, headers=_east())
    assert [g["group"] for g in by_area.json()["groups"]] == ["BRS-EAST"]


async def test_comments_and_representativeness_keep_to_the_callers_districts(
    survey_client: httpx.AsyncClient,
) -> None:
    records = generate(12, {"2022-Q1": 300})
    for i, record in enumerate(records):
        record["comments"] = f"comment {i}"
    await import_file(survey_client, to_csv(records))
    comments = await survey_client.get(
        "/api/v1/surveys/opcc/comments", params={"limit": 500}, headers=_east()
    )
    assert comments.status_code == 200
    areas = {c["area"] for c in comments.json()["items"]}
    assert areas == {"BRS-EAST"}
    assert len(comments.json()["items"]) == sum(1 for r in records if r["area"] == "BRS-EAST")
    mix = await survey_client.get("/api/v1/surveys/opcc/representativeness", headers=_east())
    assert mix.status_code == 200
    assert mix.json()["respondents"] == sum(1 for r in records if r["area"] == "BRS-EAST")
