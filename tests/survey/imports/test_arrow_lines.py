"""The Arrow path of the first load (`arrow_lines`) against the Python path it speeds up
(`files.iter_csv` + `RowValidator.validate_lines`): the same COPY lines, errors, row numbers
and counts, over generated files with bad cells of every kind, across batch boundaries."""

from __future__ import annotations

import io
import random
from datetime import date

import httpx
import pytest

from services.survey.imports.arrow_lines import ArrowLines, ArrowUnsuitable
from services.survey.imports.files import csv_text, iter_csv
from services.survey.imports.header import plan_header
from services.survey.imports.rows import RowError, RowValidator
from services.survey.surveys.definition import OptionDef, QuestionDef, SurveyDef
from tests.survey.conftest import HEADER as SURVEY_HEADER
from tests.survey.conftest import import_file

TODAY = date(2022, 9, 30)
INFORMED = QuestionDef(
    id=1,
    code="informed",
    text="How well informed?",
    kind="single_choice",
    slot=1,
    version=1,
    options=[
        OptionDef("very_well", "Very well informed", 0, False),
        OptionDef("not_at_all", "Not at all informed", 1, False),
    ],
)
COMMENTS = QuestionDef(
    id=2, code="comments", text="Anything else?", kind="free_text", slot=1, version=1
)
SURVEY = SurveyDef(id=7, code="s", title="S", questions=[INFORMED, COMMENTS])
FULL = ["respondent_id", "wave", "interview_date", "area", "age_band", "sex", "weight"]

# Good and bad cells of each column (the bad ones of every rule the column has).
CELLS: dict[str, list[str]] = {
    "respondent_id": ["R{n}", " R{n} ", "Ré{n}", "", "x" * 80, "R\\{n}", "R\t{n}", "R\x00{n}"],
    "wave": ["2022-Q3", "2022-q2", "", "2022-Q5", "2031-Q1", "1999-Q1", "soon"],
    "interview_date": ["2022-09-14", "2022-08-01 10:00", "", "2022-02-30", "2030-01-01", "x"],
    "area": ["North", " South ", "", "\ufffd", "é" * 200, "a\tb"],
    "age_band": ["16-24", "25-34", "", "a\nb"],
    "sex": ["female", "male", ""],
    "weight": ["", "1.5", "2", "0", "-1", "abc", "1e400", "1e5", "nan"],
    "informed": ["very_well", "Not at all informed", "", "maybe", " VERY_WELL "],
    "comments": ["", "fine", 'said "hi"', "two\nlines", "x" * 3000, "tab\there", "back\\slash"],
}


def _quoted(cell: str, delimiter: str) -> str:
    if any(c in cell for c in (delimiter, '"', "\n", "\r")) or cell != cell.strip():
        return '"' + cell.replace('"', '""') + '"'
    return cell


def generated_file(header: list[str], rows: int, *, seed: int, delimiter: str = ",") -> bytes:
    rng = random.Random(seed)
    lines = [delimiter.join(header)]
    for n in range(rows):
        good = rng.random() < 0.7
        cells = [(CELLS[h][0] if good else rng.choice(CELLS[h])).format(n=n) for h in header]
        lines.append(delimiter.join(_quoted(c, delimiter) for c in cells))
        if rng.random() < 0.02:
            lines.append("")  # a blank line: skipped, not numbered
    newline = rng.choice(["\n", "\r\n"])
    text = newline.join(lines) + newline
    data = text.encode()
    # An undecodable byte inside some free-text cells, a BOM on some files.
    data = data.replace(b"fine", b"fi\xffne", 3)
    return (b"\xef\xbb\xbf" + data) if seed % 2 else data


def validator(header: list[str]) -> RowValidator:
    checked = RowValidator(plan_header(SURVEY, header), today=TODAY)
    checked.enable_lines(["7"], ["import", "now", "now"])
    return checked


def python_path(header: list[str], data: bytes) -> tuple[bytes, list[RowError], int, int]:
    rows = iter_csv(csv_text(io.BytesIO(data)))
    lines, errors, read, bad = validator(header).validate_lines(rows)
    return lines.encode(), errors, read, bad


def read_all(header: list[str], data: bytes) -> int:
    """How many batches; pyarrow reads its first block when the reader is made."""
    lines = ArrowLines(validator(header), io.BytesIO(data))
    batches = 0
    while lines.next_batch() is not None:
        batches += 1
    return batches


def arrow_path(header: list[str], data: bytes) -> tuple[bytes, list[RowError], int, int]:
    lines = ArrowLines(validator(header), io.BytesIO(data), block_bytes=4096)
    out, errors, read, bad = b"", [], 0, 0
    batches = 0
    while (batch := lines.next_batch()) is not None:
        out += batch[0]
        errors += batch[1]
        read += batch[2]
        bad += batch[3]
        batches += 1
    assert read == 0 or batches > 1, "the file should span several batches"
    return out, errors, read, bad


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ([*FULL, "informed", "comments"], ","),
        (["respondent_id", "wave", "area", "age_band", "sex", "informed", "comments"], ";"),
        (["comments", "sex", "interview_date", "age_band", "respondent_id", "area", "weight"], ","),
    ],
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_arrow_path_gives_the_python_paths_lines_and_errors(
    header: list[str], delimiter: str, seed: int
) -> None:
    data = generated_file(header, 600, seed=seed, delimiter=delimiter)
    expected = python_path(header, data)
    assert expected[0], "the file should hold good rows"
    assert expected[1], "and bad ones"
    assert arrow_path(header, data) == expected


@pytest.mark.parametrize(
    "odd_row",
    [
        "R1,2022-Q3,North",  # too few cells
        "R1,2022-Q3,North,16-24,female,,very_well,,extra",  # too many
        "   ",  # a blank line of spaces
        "R1,2022-Q3," + "x" * 1_000_001 + ",16-24,female,,very_well,",  # beyond the csv limit
    ],
)
def test_a_row_pyarrow_reads_otherwise_is_left_to_the_python_path(odd_row: str) -> None:
    header = ["respondent_id", "wave", "area", "age_band", "sex", "weight", "informed", "comments"]
    good = "R0,2022-Q3,North,16-24,female,,very_well,"
    data = "\n".join([",".join(header), good, odd_row, good.replace("R0", "R2")]).encode()
    with pytest.raises(ArrowUnsuitable):
        read_all(header, data)


def test_a_file_of_only_a_header_has_no_batches() -> None:
    header = ["respondent_id", "wave", "area", "age_band", "sex", "informed"]
    first = ",".join(header).encode()
    for data in (first, first + b"\r\n", first + b"\r", first + b"\n\r\n"):
        assert ArrowLines(validator(header), io.BytesIO(data)).next_batch() is None


async def test_a_file_with_rows_of_another_width_imports_as_the_python_path_reads_it(
    survey_client: httpx.AsyncClient,
) -> None:
    """Through the API on both databases (PostgreSQL: the Arrow path gives way to the Python
    path): short rows are padded, a row with extra cells is refused, a blank line is skipped;
    nothing is stored twice."""
    good = [f"W{n},2022-Q3,BRS-EAST,35-64,female,,1,fairly_well,yes,no,neither," for n in range(3)]
    lines = [
        ",".join(SURVEY_HEADER),
        good[0],
        "W9,2022-Q3,BRS-EAST,35-64,female",  # short: the missing cells are empty
        "   ",  # a blank line of spaces
        good[1] + ",surplus",  # one cell too many
        good[2],
    ]
    job = await import_file(survey_client, ("\r\n".join(lines) + "\r\n").encode())
    assert (job["rows_read"], job["accepted"], job["inserted"], job["rejected"]) == (4, 3, 3, 1)
    assert [(e["row"], e["column"], e["reason"]) for e in job["errors"]] == [
        (4, "(row)", "13 cells but the header has 12")
    ]
