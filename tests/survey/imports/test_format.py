"""The import format stated and templated; values matching no population margin reported as
warnings of the job, and kept as given."""

from __future__ import annotations

import io

import httpx

from tests.survey.conftest import HEADER, csv_bytes, import_file

MARGINS = {
    "age_band_sex": [
        {"age_band": "16-34", "sex": "female", "population": 160000},
        {"age_band": "16-34", "sex": "male", "population": 165000},
        {"age_band": "35-64", "sex": "female", "population": 250000},
        {"age_band": "35-64", "sex": "male", "population": 245000},
    ],
    "area": [{"area": "BRS-EAST", "population": 520000}],
}


def _row(rid: str, area: str, age: str, sex: str) -> list[str]:
    cells = dict.fromkeys(HEADER, "")
    cells.update(
        respondent_id=rid, wave="2022-Q3", area=area, age_band=age, sex=sex, informed="fairly_well"
    )
    return [cells[h] for h in HEADER]


async def test_values_matching_no_margin_are_kept_and_reported(
    survey_client: httpx.AsyncClient,
) -> None:
    put = await survey_client.put("/api/v1/surveys/opcc/population", json=MARGINS)
    assert put.status_code == 200, put.text
    rows = [
        _row("W1", "BRS-EAST", "16-34", "female"),
        _row("W2", "NOWHERE", "17-20", "other"),
        _row("W3", "NOWHERE", "35-64", "male"),
        _row("W4", "ELSEWHERE", "17-20", "female"),
    ]
    job = await import_file(survey_client, csv_bytes(rows))
    assert (job["state"], job["accepted"], job["rejected"]) == ("done", 4, 0)
    warnings = {w["column"]: w for w in job["warnings"]}
    assert set(warnings) == {"area", "age_band", "sex"}
    assert (warnings["area"]["rows"], warnings["area"]["values"]) == (3, 2)
    assert warnings["area"]["examples"] == ["NOWHERE", "ELSEWHERE"]  # most frequent first
    assert (warnings["age_band"]["rows"], warnings["age_band"]["examples"]) == (2, ["17-20"])
    assert (warnings["sex"]["rows"], warnings["sex"]["examples"]) == (1, ["other"])
    # Kept as given: the supplier's codes are stored.
    listed = await survey_client.get("/api/v1/surveys/opcc/representativeness")
    assert "NOWHERE" in listed.text
    # Every value matching: no warnings.
    again = await import_file(survey_client, csv_bytes([_row("W5", "BRS-EAST", "35-64", "male")]))
    assert again["warnings"] == []


async def test_without_margins_nothing_is_checked(survey_client: httpx.AsyncClient) -> None:
    job = await import_file(survey_client, csv_bytes([_row("N1", "NOWHERE", "17-20", "other")]))
    assert job["warnings"] == []


async def test_the_definition_states_the_import_columns(survey_client: httpx.AsyncClient) -> None:
    survey = (await survey_client.get("/api/v1/surveys/opcc")).json()
    columns = {c["name"]: c for c in survey["import_columns"]}
    assert columns["respondent_id"]["requirement"] == "required"
    assert columns["wave"]["requirement"] == "wave_or_interview_date"
    assert columns["weight"]["requirement"] == "optional"
    assert "YYYY-Qn" in columns["wave"]["format"]
    informed = columns["informed"]
    assert informed["requirement"] == "question"
    assert "dont_know" in [a["code"] for a in informed["answers"]]
    assert all(a["label"] for a in informed["answers"])
    assert columns["comments"]["answers"] is None
    assert survey["import_templates"] == {
        "csv": "/api/v1/surveys/opcc/imports/template.csv",
        "xlsx": "/api/v1/surveys/opcc/imports/template.xlsx",
    }


async def test_both_templates_download_and_import_as_they_are(
    survey_client: httpx.AsyncClient,
) -> None:
    from openpyxl import load_workbook

    survey = (await survey_client.get("/api/v1/surveys/opcc")).json()
    names = [c["name"] for c in survey["import_columns"]]
    csv_template = await survey_client.get(survey["import_templates"]["csv"])
    assert csv_template.status_code == 200
    assert csv_template.headers["content-type"].startswith("text/csv")
    assert csv_template.text.lstrip("\ufeff").splitlines()[0].split(",") == names
    job = await import_file(survey_client, csv_template.content, filename="template.csv")
    assert (job["state"], job["accepted"], job["rejected"]) == ("done", 1, 0)
    xlsx_template = await survey_client.get(survey["import_templates"]["xlsx"])
    assert xlsx_template.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx_template.content), read_only=True).worksheets[0]
    header = next(sheet.iter_rows(values_only=True))
    assert list(header) == names
    job = await import_file(survey_client, xlsx_template.content, filename="template.xlsx")
    assert (job["state"], job["accepted"], job["rejected"]) == ("done", 1, 0)
    generic = await survey_client.get(
        survey["import_templates"]["xlsx"], headers={"Accept": "application/octet-stream"}
    )
    assert generic.headers["content-type"] == "application/octet-stream"
    assert generic.content[:2] == b"PK"
    missing = await survey_client.get("/api/v1/surveys/nosuch/imports/template.csv")
    assert missing.status_code == 404
