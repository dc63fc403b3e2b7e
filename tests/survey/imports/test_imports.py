"""Importing CSV and XLSX files: counts, rejected rows, idempotence, refusals."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.survey.imports import rows as survey_rows
from shared.db import create_engine
from tests.conftest import assert_problem
from tests.survey.conftest import (
    HEADER,
    csv_bytes,
    generate,
    import_file,
    to_csv,
    wait_for_job,
    xlsx_bytes,
)

IMPORTS = "/api/v1/surveys/opcc/imports"
RESULTS = "/api/v1/surveys/opcc/questions/informed/results"


def _row(rid: str, **overrides: Any) -> list[Any]:
    values = {
        "respondent_id": rid,
        "wave": "2022-Q3",
        "area": "BRS-EAST",
        "age_band": "35-64",
        "sex": "female",
        "ethnicity": "",
        "weight": "1",
        "informed": "fairly_well",
        "have_say": "yes",
        "seen_officer": "no",
        "confidence": "tend_to_agree",
        "comments": "",
    }
    values.update(overrides)
    return [values[h] for h in HEADER]


async def test_csv_with_bom_and_labels_in_any_case(survey_client: httpx.AsyncClient) -> None:
    rows = [
        _row("A1", informed="NOT VERY WELL INFORMED", have_say="Yes"),
        _row("A2", informed="  fairly well informed ", have_say="DONT_KNOW"),
        _row("A3", informed="Not_At_All", have_say="no", confidence="Strongly disagree"),
        _row("A4", informed="", have_say=""),  # empty cells: no answer
    ]
    response = await survey_client.post(
        IMPORTS, files={"file": ("wave.csv", csv_bytes(rows, bom=True), "text/csv")}
    )
    assert response.status_code == 202, response.text
    queued = response.json()
    assert response.headers["location"] == f"/api/v1/surveys/imports/{queued['id']}"
    assert queued["state"] in ("queued", "running", "done")
    job = await wait_for_job(survey_client, response.headers["location"])
    assert job["state"] == "done"
    assert job["columns"][0] == "respondent_id"  # the BOM is not part of the first name
    assert (job["rows_read"], job["accepted"], job["inserted"], job["rejected"]) == (4, 4, 4, 0)
    group = (await survey_client.get(RESULTS, params={"weighting": "none"})).json()["groups"][0]
    counts = {a["answer"]: a["count"] for a in group["answers"]}
    assert counts == {"very_well": 0, "fairly_well": 1, "not_very_well": 1, "not_at_all": 1}


async def test_xlsx_import(survey_client: httpx.AsyncClient) -> None:
    from datetime import date

    header = ["Respondent_ID", "Interview_Date", "Area", "Age_Band", "Sex", "Weight", "Informed"]
    rows = [
        [1001, date(2022, 8, 14), "BRS-EAST", "65+", "male", 1.25, "Very well informed"],
        [1002, "2022-07-01", "BRS-WEST", "16-34", "female", None, "not_at_all"],
        [None, None, None, None, None, None, None],  # a blank row is skipped
        [1003, date(2022, 9, 30), "BRS-WEST", "16-34", "female", "heavy", "sometimes"],
    ]
    job = await import_file(
        survey_client,
        xlsx_bytes(rows, header),
        filename="wave.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    assert job["format"] == "xlsx"
    assert (job["rows_read"], job["accepted"], job["rejected"]) == (3, 2, 1)
    # The sheet's own row number: header 1, data 2-3, blank 4, bad row 5.
    assert {(e["row"], e["column"]) for e in job["errors"]} == {(5, "weight"), (5, "informed")}
    group = (await survey_client.get(RESULTS)).json()["groups"][0]
    assert group["group"] == "2022-Q3"  # derived from the interview dates
    assert group["base_weighted_n"] == 2.25


async def test_bad_rows_are_reported_and_good_rows_kept(
    survey_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        _row("G1"),
        _row("", informed="fairly_well"),
        _row("B2", wave="2022-Q5"),
        _row("B3", informed="quite well", weight="-2"),
        _row("G2", wave="", interview_date="2022-08-01"),
        _row("B4", wave="2099-Q1"),
        _row("G3"),
        _row("G1", informed="not_at_all"),  # the same respondent again in this file
    ]
    header = [*HEADER, "interview_date"]
    data = csv_bytes(
        [[*r, ""] for r in rows[:4]] + [[*rows[4], "2022-08-01"]] + [[*r, ""] for r in rows[5:]],
        header,
    )
    job = await import_file(survey_client, data)
    assert (job["rows_read"], job["accepted"], job["inserted"], job["rejected"]) == (8, 3, 3, 5)
    found = {(e["row"], e["column"]) for e in job["errors"]}
    assert found == {
        (3, "respondent_id"),
        (4, "wave"),
        (5, "informed"),
        (5, "weight"),
        (7, "wave"),
        (9, "respondent_id"),
    }
    reasons = {(e["row"], e["column"]): e["reason"] for e in job["errors"]}
    assert "2022-Q5" in reasons[(4, "wave")]
    assert "future" in reasons[(7, "wave")]
    assert "row 2" in reasons[(9, "respondent_id")]
    assert "very_well" in reasons[(5, "informed")]  # the allowed answers are listed
    # The same rows as CSV.
    download = await survey_client.get(job["errors_csv"])
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(download.text)))
    assert lines[0] == ["row", "column", "reason"]
    assert {(int(r[0]), r[1]) for r in lines[1:]} == found
    # Read in pages (two errors of row 5 straddle one): the same lines, in order, once each.
    from services.survey.imports import service as imports_service

    for page in (1, 2, 5):
        monkeypatch.setattr(imports_service, "ERRORS_PAGE", page)
        paged = await survey_client.get(job["errors_csv"])
        assert list(csv.reader(io.StringIO(paged.text))) == lines, page
    group = (await survey_client.get(RESULTS, params={"weighting": "none"})).json()["groups"][0]
    assert group["base_n"] == 3


async def test_reimport_changes_nothing_and_changed_rows_are_updated(
    survey_client: httpx.AsyncClient,
) -> None:
    records = generate(41, {"2022-Q2": 120, "2022-Q3": 130})
    first = await import_file(survey_client, to_csv(records))
    assert (first["inserted"], first["updated"], first["unchanged"]) == (250, 0, 0)
    before = (await survey_client.get(RESULTS)).json()
    again = await import_file(survey_client, to_csv(records))
    assert (again["accepted"], again["inserted"], again["updated"], again["unchanged"]) == (
        250,
        0,
        0,
        250,
    )
    assert (await survey_client.get(RESULTS)).json() == before
    changed = [dict(r) for r in records]
    changed[0]["informed"] = "very_well" if changed[0]["informed"] != "very_well" else "not_at_all"
    changed[5]["weight"] = 2.5 if changed[5]["weight"] != 2.5 else 1.5
    changed.append(dict(changed[7], respondent_id="NEW-1"))
    third = await import_file(survey_client, to_csv(changed))
    assert (third["inserted"], third["updated"], third["unchanged"]) == (1, 2, 248)


async def test_absent_optional_columns_keep_stored_values(survey_client: httpx.AsyncClient) -> None:
    await import_file(survey_client, csv_bytes([_row("K1", weight="2.0", have_say="no")]))
    header = ["respondent_id", "wave", "area", "age_band", "sex", "informed"]
    job = await import_file(
        survey_client,
        csv_bytes([["K1", "2022-Q3", "BRS-EAST", "35-64", "female", "very_well"]], header),
    )
    assert job["updated"] == 1
    group = (await survey_client.get(RESULTS)).json()["groups"][0]
    assert group["base_weighted_n"] == 2.0  # the weight was not in the file: kept
    have_say = (await survey_client.get("/api/v1/surveys/opcc/questions/have_say/results")).json()
    assert {a["answer"]: a["count"] for a in have_say["groups"][0]["answers"]}["no"] == 1


async def test_interview_date_must_agree_with_wave(survey_client: httpx.AsyncClient) -> None:
    header = ["respondent_id", "wave", "interview_date", "area", "age_band", "sex", "informed"]
    rows = [
        ["D1", "2022-Q3", "2022-08-02", "A", "16-34", "male", "very_well"],
        ["D2", "2022-Q3", "2022-10-02", "A", "16-34", "male", "very_well"],
        ["D3", "", "14/08/2022", "A", "16-34", "male", "very_well"],
        ["D4", "", "", "A", "16-34", "male", "very_well"],
    ]
    job = await import_file(survey_client, csv_bytes(rows, header))
    assert job["accepted"] == 1
    assert {(e["row"], e["column"]) for e in job["errors"]} == {
        (3, "interview_date"),
        (4, "interview_date"),
        (5, "wave"),
    }


async def test_ragged_rows_and_extra_columns(survey_client: httpx.AsyncClient) -> None:
    text = (
        "respondent_id,wave,area,age_band,sex,informed,supplier_flag\n"
        "E1,2022-Q3,A,16-34,male,very_well,x\n"
        "E2,2022-Q3,A,16-34,male\n"  # short: missing cells are empty
        "E3,2022-Q3,A,16-34,male,very_well,x,unexpected\n"
    )
    job = await import_file(survey_client, text.encode())
    assert job["ignored_columns"] == ["supplier_flag"]
    assert job["accepted"] == 2
    assert [(e["row"], e["column"]) for e in job["errors"]] == [(4, "(row)")]


async def test_refusals(survey_client: httpx.AsyncClient) -> None:
    def post(data: bytes, name: str = "f.csv", kind: str = "text/csv", survey: str = "opcc") -> Any:
        return survey_client.post(
            f"/api/v1/surveys/{survey}/imports", files={"file": (name, data, kind)}
        )

    assert_problem(
        await post(b"%PDF-1.4 binary\x00\x01", "report.pdf", "application/pdf"), 415, "file"
    )
    assert_problem(await post(b"PK\x03\x04not really a zip", "wave.xlsx"), 415)
    assert_problem(await post(b""), 422, "file")
    assert_problem(await post(b"\n\n"), 422, "file")
    missing = await post(b"respondent_id,informed\nA1,very_well\n")
    body = assert_problem(
        missing,
        422,
        "file.columns.area",
        "file.columns.age_band",
        "file.columns.sex",
        "file.columns.wave or interview_date",
    )
    assert "area, age_band, sex" in body["detail"]
    assert_problem(await post(b"respondent_id,wave,area,age_band,sex\n"), 422)  # no question
    assert_problem(await post(to_csv(generate(1, {"2022-Q1": 2})), survey="nope"), 404)
    no_file = await survey_client.post(IMPORTS, files={"other": ("a.csv", b"x", "text/csv")})
    assert_problem(no_file, 422, "body.file")
    # Nothing was queued by any of these.
    listing = await survey_client.get(RESULTS)
    assert listing.json()["groups"] == []


async def test_file_over_the_configured_size_is_a_413(survey_app_factory: Any) -> None:
    client = await survey_app_factory(upload_max_bytes=4096)
    big = to_csv(generate(2, {"2022-Q1": 200}))
    assert len(big) > 4096
    response = await client.post(IMPORTS, files={"file": ("big.csv", big, "text/csv")})
    assert_problem(response, 413)


async def test_unknown_job_is_a_404(survey_client: httpx.AsyncClient) -> None:
    assert_problem(await survey_client.get("/api/v1/surveys/imports/nope"), 404)
    assert_problem(await survey_client.get("/api/v1/surveys/imports/nope/errors.csv"), 404)


async def _not_queued(session: Any, job_id: str) -> None:
    return None


async def test_a_queued_job_is_resumed_at_start_up(survey_app_factory: Any) -> None:
    first = await survey_app_factory(import_concurrency=1)
    queue = first._transport.app.state.import_queue  # type: ignore[attr-defined]
    queue.submit = _not_queued  # the process "dies" before the job is queued
    response = await first.post(
        IMPORTS, files={"file": ("f.csv", to_csv(generate(3, {"2022-Q1": 5})), "text/csv")}
    )
    assert response.json()["state"] == "queued"
    second = await survey_app_factory()
    job = await wait_for_job(second, response.headers["location"])
    assert (job["state"], job["inserted"]) == ("done", 5)


async def test_another_instance_finishes_a_job_from_the_uploaded_file_in_the_database(
    survey_app_factory: Any, survey_db_url: str, tmp_path: Path
) -> None:
    """Instances share no disk: the upload is kept in the database, and removed once the job
    has run."""
    first = await survey_app_factory(import_spool_dir=tmp_path / "first")
    queue = first._transport.app.state.import_queue  # type: ignore[attr-defined]
    queue.submit = _not_queued  # this instance is replaced before it queues the job
    response = await first.post(
        IMPORTS, files={"file": ("f.csv", to_csv(generate(5, {"2022-Q1": 6})), "text/csv")}
    )
    assert response.json()["state"] == "queued"
    assert not any((tmp_path / "first").iterdir())  # nothing left on this instance's disk
    second = await survey_app_factory(import_spool_dir=tmp_path / "second")
    job = await wait_for_job(second, response.headers["location"])
    assert (job["state"], job["inserted"]) == ("done", 6)
    engine = create_engine(survey_db_url)
    try:
        async with engine.connect() as conn:
            left = await conn.execute(text("SELECT count(*) FROM survey_import_upload"))
            assert left.scalar_one() == 0
    finally:
        await engine.dispose()


async def test_tricky_values_round_trip(survey_client: httpx.AsyncClient) -> None:
    """Escapes, quotes, exponents and dates survive the first load (on PostgreSQL a direct COPY)
    exactly: importing the file again finds every row unchanged."""
    header = [*HEADER, "interview_date"]
    rows = [
        _row("T\\1", comments='back\\slash, "quoted"\tand tab', weight="1.50", wave=""),
        _row("T2", comments="two\nlines", weight="2.5e-1", area=" BRS-EAST ", wave=""),
        _row("T3", comments="\\N is not null", weight="+3", ethnicity="mixed", wave=""),
        _row("T4", comments="", weight="", wave=""),
    ]
    dates = ["2022-07-01", "2022-08-31T10:00:00", "2022-09-30", "2022-07-15"]
    data = csv_bytes([[*r, d] for r, d in zip(rows, dates, strict=True)], header)
    first = await import_file(survey_client, data)
    assert (first["accepted"], first["inserted"]) == (4, 4), first["errors"]
    again = await import_file(survey_client, data)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 4)
    comments = (await survey_client.get("/api/v1/surveys/opcc/comments")).json()["items"]
    assert {c["respondent_id"]: c["text"] for c in comments} == {
        "T\\1": 'back\\slash, "quoted"\tand tab',
        "T2": "two\nlines",
        "T3": "\\N is not null",
    }
    group = (await survey_client.get(RESULTS)).json()["groups"][0]
    assert group["group"] == "2022-Q3"
    assert group["base_weighted_n"] == 1.5 + 0.25 + 3 + 1
    by_area = (await survey_client.get(RESULTS, params={"by": "area"})).json()["groups"]
    assert [g["group"] for g in by_area] == ["BRS-EAST"]  # trimmed


async def test_an_interrupted_job_runs_again_after_a_restart(
    survey_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.survey.app import create_app
    from services.survey.config import SurveySettings
    from services.survey.imports import run
    from tests.conftest import AUTH

    real_execute = run._execute
    started = asyncio.Event()

    async def stuck(*args: Any, **kwargs: Any) -> None:
        started.set()
        await asyncio.Event().wait()  # until the shutdown cancels it

    monkeypatch.setattr(run, "_execute", stuck)
    app = create_app(SurveySettings(database_url=survey_db_url))
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://survey", headers=AUTH
        )
        response = await client.post(
            IMPORTS, files={"file": ("f.csv", to_csv(generate(4, {"2022-Q1": 7})), "text/csv")}
        )
        await asyncio.wait_for(started.wait(), 10)
        assert (await client.get(response.headers["location"])).json()["state"] == "running"
        await client.aclose()
    # Shut down mid-import: the job is queued again, and the next start finishes it.
    monkeypatch.setattr(run, "_execute", real_execute)
    app = create_app(SurveySettings(database_url=survey_db_url))
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://survey", headers=AUTH
        )
        job = await wait_for_job(client, response.headers["location"])
        assert (job["state"], job["inserted"]) == ("done", 7)
        await client.aclose()


async def test_semicolons_and_a_header_without_rows(survey_client: httpx.AsyncClient) -> None:
    empty = await import_file(survey_client, b"respondent_id,wave,area,age_band,sex,informed\r\n")
    assert (empty["rows_read"], empty["accepted"], empty["rejected"]) == (0, 0, 0)
    text = "respondent_id;wave;area;age_band;sex;informed\nS1;2022-Q3;A;16-34;male;very_well\n"
    job = await import_file(survey_client, text.encode())
    assert (job["rows_read"], job["inserted"]) == (1, 1)


@pytest.mark.parametrize("declared", ["application/vnd.ms-excel", "application/octet-stream"])
async def test_a_csv_is_known_by_its_bytes_not_its_declared_type(
    survey_client: httpx.AsyncClient, declared: str
) -> None:
    # What a Windows browser with Excel installed sends for a .csv, or a generic client.
    data = csv_bytes([_row("V1"), _row("V2", informed="not_at_all")], bom=True)
    job = await import_file(survey_client, data, filename="wave.csv", content_type=declared)
    assert (job["format"], job["accepted"], job["rejected"]) == ("csv", 2, 0)
    workbook = xlsx_bytes([_row("V3")])
    job = await import_file(survey_client, workbook, filename="upload", content_type=declared)
    assert (job["format"], job["accepted"]) == ("xlsx", 1)


async def test_other_content_is_refused_whatever_it_is_called(
    survey_client: httpx.AsyncClient,
) -> None:
    def post(data: bytes, name: str, kind: str) -> Any:
        return survey_client.post(IMPORTS, files={"file": (name, data, kind)})

    # A PDF whose first lines are plain ASCII, sent as a CSV.
    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    assert_problem(await post(pdf, "wave.csv", "text/csv"), 415, "file")
    binary = bytes(range(256)) * 16
    assert_problem(await post(binary, "wave.csv", "application/vnd.ms-excel"), 415, "file")
    legacy_xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    assert_problem(await post(legacy_xls, "wave.xls", "application/vnd.ms-excel"), 415, "file")
    latin1 = "respondent_id,wave,area,age_band,sex,informed\nC1,2022-Q3,Bédminster,16-34,male,"
    assert_problem(
        await post(latin1.encode("latin-1"), "wave.csv", "application/octet-stream"), 415, "file"
    )
    assert (await survey_client.get(RESULTS)).json()["groups"] == []


async def test_respondent_ids_that_are_not_utf8_are_rejected(
    survey_client: httpx.AsyncClient,
) -> None:
    # Undecodable bytes would all read as U+FFFD: R\xff1 and R\xfe1 would become one respondent.
    good = to_csv(generate(6, {"2022-Q2": 80}))
    assert len(good) > 4096  # the bad rows come after the sample the format is judged on
    bad = b"".join(
        b",".join([rid, b"2022-Q3", b"BRS-EAST", b"35-64", b"female", b"", b"1", b"very_well"])
        + b",,,,\r\n"
        for rid in (b"R\xff1", b"R\xfe1")
    )
    job = await import_file(survey_client, good + bad, content_type="application/octet-stream")
    assert (job["rows_read"], job["accepted"], job["rejected"]) == (82, 80, 2)
    assert [(e["row"], e["column"], e["reason"]) for e in job["errors"]] == [
        (82, "respondent_id", "is not valid UTF-8 text"),
        (83, "respondent_id", "is not valid UTF-8 text"),
    ]
    q3 = (await survey_client.get(RESULTS, params={"to": "2022-Q3", "from": "2022-Q3"})).json()
    assert q3["groups"][0]["base_n"] == 0


async def test_a_corrupt_workbook_body_ends_the_job_as_failed(
    survey_client: httpx.AsyncClient,
) -> None:
    # A workbook whose header reads but whose sheet breaks off half-way: found only while
    # importing. (Saved as Excel does, with the sheet's dimension up front, so opening the
    # workbook does not read the whole sheet.)
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for i in range(400):
        sheet.append(_row(f"X{i}", comments="x" * 500))
    saved = io.BytesIO()
    book.save(saved)
    source = zipfile.ZipFile(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                content = content[: len(content) // 2] + b"<row r=<<broken"
            target.writestr(item.filename, content)
    response = await survey_client.post(
        IMPORTS, files={"file": ("wave.xlsx", out.getvalue(), "application/octet-stream")}
    )
    assert response.status_code == 202, response.text
    job = await wait_for_job(survey_client, response.headers["location"])
    assert job["state"] == "failed", job
    assert job["failure"]
    assert job["finished_at"] is not None
    assert job["accepted"] == 0  # the sheet broke off within the first batch
    assert (await survey_client.get(RESULTS)).json()["groups"] == []


async def test_a_lowercase_wave_is_read_as_the_quarter(survey_client: httpx.AsyncClient) -> None:
    job = await import_file(survey_client, csv_bytes([_row("L1", wave="2022-q3")]))
    assert (job["accepted"], job["rejected"]) == (1, 0)
    body = (await survey_client.get(RESULTS, params={"weighting": "none"})).json()
    assert [g["group"] for g in body["groups"]] == ["2022-Q3"]
    # In a query a wave is written exactly: a lowercase one is refused, naming the parameter.
    assert_problem(await survey_client.get(RESULTS, params={"from": "2022-q3"}), 422, "query.from")


async def test_today_is_the_london_date(
    survey_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 23:30 UTC on 30 June is already 1 July in London (BST): Q3 has begun there.
    monkeypatch.setattr(survey_rows, "utcnow", lambda: datetime(2022, 6, 30, 23, 30, tzinfo=UTC))
    header = ["respondent_id", "wave", "interview_date", "area", "age_band", "sex", "informed"]
    data = csv_bytes(
        [
            ["J1", "", "2022-07-01", "BRS-EAST", "35-64", "male", "very_well"],
            ["J2", "2022-Q3", "", "BRS-EAST", "35-64", "male", "very_well"],
            ["J3", "", "2022-07-02", "BRS-EAST", "35-64", "male", "very_well"],
        ],
        header,
    )
    job = await import_file(survey_client, data)
    assert job["accepted"] == 2
    assert [(e["row"], e["column"]) for e in job["errors"]] == [(4, "interview_date")]
    assert "future" in job["errors"][0]["reason"]


async def test_text_holding_nul_is_a_rejected_row_not_a_failed_import(
    survey_client: httpx.AsyncClient,
) -> None:
    # PostgreSQL cannot store NUL in text (SQLite can): each such row is refused alike, with
    # the column named, and the rest of the file is kept. After the sample the format is
    # judged on, so the file is still a CSV.
    good = to_csv(generate(6, {"2022-Q2": 80}))
    assert len(good) > 4096
    bad_rows = [
        _row("N\x001"),
        _row("N2", area="BRS\x00EAST"),
        _row("N3", comments="Too\x00quiet"),
        _row("N4", informed="fairly\x00well"),
    ]
    bad = csv_bytes(bad_rows).split(b"\r\n", 1)[1]  # without its header
    job = await import_file(survey_client, good + bad)
    assert job["state"] == "done", job
    assert (job["rows_read"], job["accepted"], job["rejected"]) == (84, 80, 4)
    nul = "contains the NUL character (U+0000)"
    errors = [(e["row"], e["column"], e["reason"]) for e in job["errors"]]
    assert errors[:3] == [(82, "respondent_id", nul), (83, "area", nul), (84, "comments", nul)]
    assert errors[3][:2] == (85, "informed")  # not an answer, as any other
    assert "is not an answer" in errors[3][2]
    q3 = (await survey_client.get(RESULTS, params={"to": "2022-Q3", "from": "2022-Q3"})).json()
    assert q3["groups"][0]["base_n"] == 0


def _with_sheet_xml(workbook: bytes, change: Callable[[str], str]) -> bytes:
    """The workbook with its first sheet's XML changed (as another writer might have it)."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            target.writestr(item, data)
    return out.getvalue()


async def test_xlsx_rows_beyond_the_declared_dimension_are_read(
    survey_client: httpx.AsyncClient,
) -> None:
    rows = [_row(f"D{i}") for i in range(5)]

    def understate(xml: str) -> str:
        declared = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:G2"/>', xml)
        if declared == xml:  # a writer that wrote none: add the wrong one
            declared = xml.replace("<sheetData", '<dimension ref="A1:G2"/><sheetData', 1)
        return declared

    workbook = _with_sheet_xml(xlsx_bytes(rows), understate)
    assert b'ref="A1:G2"' in zipfile.ZipFile(io.BytesIO(workbook)).read("xl/worksheets/sheet1.xml")
    job = await import_file(survey_client, workbook, filename="wave.xlsx")
    assert (job["state"], job["rows_read"], job["accepted"], job["rejected"]) == ("done", 5, 5, 0)


async def test_an_unreadable_sheet_says_why(survey_client: httpx.AsyncClient) -> None:
    rows = [_row(f"U{i}") for i in range(3)]
    broken = _with_sheet_xml(xlsx_bytes(rows), lambda xml: xml.replace("</row>", "</rowx>", 3))
    response = await survey_client.post(
        "/api/v1/surveys/opcc/imports", files={"file": ("wave.xlsx", broken, "text/csv")}
    )
    if response.status_code == 422:  # broken in the header row: refused at once
        assert "cannot be read" in response.json()["detail"]
        return
    assert response.status_code == 202, response.text
    job = await wait_for_job(survey_client, response.headers["location"])
    assert job["state"] == "failed"
    assert "sheet 'responses' cannot be read" in job["failure"]
