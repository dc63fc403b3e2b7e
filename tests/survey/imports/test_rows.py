"""The row validator's rules, one by one, and its two outputs (staging records, COPY lines)
agreeing row for row."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.survey.imports.cells import parse_interview_date, parse_wave
from services.survey.imports.header import plan_header
from services.survey.imports.rows import RowValidator
from services.survey.surveys.definition import OptionDef, QuestionDef, SurveyDef

TODAY = date(2022, 9, 30)
HEADER = ["respondent_id", "wave", "area", "age_band", "sex", "weight", "informed", "comments"]
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
        OptionDef("dont_know", "Don't know", 2, True),
    ],
)
COMMENTS = QuestionDef(
    id=2, code="comments", text="Anything else?", kind="free_text", slot=1, version=1
)
SURVEY = SurveyDef(id=7, code="s", title="S", questions=[INFORMED, COMMENTS])


def validator(header: list[str] = HEADER) -> RowValidator:
    return RowValidator(plan_header(SURVEY, header), today=TODAY)


def row(**cells: str) -> list[str]:
    values = dict.fromkeys(HEADER, "")
    values.update(
        respondent_id="R1", wave="2022-Q3", area="A", age_band="16-24", sex="female", weight=""
    )
    values.update(cells)
    return [values[h] for h in HEADER]


def problems(cells: list[str], header: list[str] = HEADER) -> list[tuple[str, str]]:
    record, errors = validator(header).validate(2, cells)
    assert (record is None) == bool(errors)
    return [(column, reason) for _, column, reason in errors]


def test_a_good_row_becomes_a_staging_record() -> None:
    record, errors = validator().validate(5, row(informed="VERY WELL INFORMED", comments=" hi "))
    assert errors == []
    assert record == (5, "R1", "2022-Q3", None, "A", "16-24", "female", None, 1.0, 0, "hi")


def test_waves_and_interview_dates() -> None:
    assert parse_wave("2022-q3") == "2022-Q3"
    assert parse_wave("1989-Q4") is None
    assert parse_wave("2022-Q5") is None
    assert parse_interview_date("2022-09-14T10:00:00") == date(2022, 9, 14)
    assert parse_interview_date("2022-02-30") is None
    assert problems(row(wave="2022-Q4")) == [("wave", "2022-Q4 is in the future")]
    assert problems(row(wave="autumn")) == [("wave", "'autumn' is not a wave like 2022-Q3")]
    assert problems(row(wave="")) == [("wave", "give the wave or the interview date")]
    dated = [*HEADER, "interview_date"]
    assert problems([*row(), "2022-04-01"], dated) == [
        ("interview_date", "2022-04-01 is in 2022-Q2, not in wave 2022-Q3")
    ]
    assert problems([*row(), "2022-10-01"], dated) == [
        ("interview_date", "2022-10-01 is in the future")
    ]
    record, _ = validator(dated).validate(2, [*row(wave=""), "2022-07-01"])
    assert record is not None
    assert record[2:4] == ("2022-Q3", date(2022, 7, 1))


@pytest.mark.parametrize(
    ("weight", "expected"),
    [
        ("", 1.0),
        ("2.5", 2.5),
        ("2.5e-1", 0.25),
        ("0", "0 is not a positive weight"),
        ("1e9", "1e9 is not a positive weight"),
        ("heavy", "'heavy' is not a number"),
    ],
)
def test_weights(weight: str, expected: Any) -> None:
    record, errors = validator().validate(2, row(weight=weight))
    if isinstance(expected, float):
        assert record is not None
        assert record[8] == expected
    else:
        assert [(c, r) for _, c, r in errors] == [("weight", expected)]


def test_text_cells_answers_and_respondents() -> None:
    assert problems(row(respondent_id=" ")) == [("respondent_id", "is empty")]
    assert problems(row(respondent_id="x" * 101)) == [
        ("respondent_id", "is longer than 100 characters")
    ]
    assert problems(row(respondent_id="R\x00")) == [
        ("respondent_id", "contains the NUL character (U+0000)")
    ]
    assert problems(row(area="bad \ufffd")) == [("area", "is not valid UTF-8 text")]
    assert problems(row(informed="maybe")) == [
        ("informed", "'maybe' is not an answer (one of very_well, not_at_all, dont_know)")
    ]
    assert problems(row(comments="x" * 4001)) == [("comments", "is longer than 4000 characters")]


def test_every_problem_of_a_row_in_column_order() -> None:
    cells = [*row(respondent_id="", wave="never", weight="-1", informed="?"), "extra"]
    assert [c for c, _ in problems(cells)] == [
        "(row)",
        "respondent_id",
        "wave",
        "weight",
        "informed",
    ]
    short = problems(["R9", "2022-Q3", "A", "16-24", "female"])  # missing cells are empty
    assert short == []


def test_a_value_seen_before_is_judged_alike() -> None:
    """Repeated cells are looked up, not checked again: the outcome must not change."""
    check = validator()
    first = check.validate(2, row(informed="dont_know", weight="2"))
    again = check.validate(3, row(informed="dont_know", weight="2"))
    assert first[0] is not None
    assert again[0] is not None
    assert first[0][1:] == again[0][1:]
    assert check.validate(4, row(informed="nope"))[0] is None
    assert check.validate(5, row(informed="nope"))[0] is None


def test_copy_lines_agree_with_records() -> None:
    rows = [
        (2, row(respondent_id="T\\1", comments='back\\slash\tand tab "quoted"')),
        (3, row(respondent_id="T2", comments="two\nlines", weight="0.5")),
        (4, row(respondent_id="T3", informed="bad")),
        (5, row(respondent_id="T\x00")),
        (6, row(respondent_id="T4", informed="not_at_all", sex=" male ")),
    ]
    lines_check = validator()
    lines_check.enable_lines(["7"], ["import"])
    text, line_errors, read, bad = lines_check.validate_lines(rows)
    records, record_errors, _ = validator().validate_rows(rows)
    assert (read, bad) == (5, 2)
    assert line_errors == record_errors
    assert [e[0] for e in record_errors] == [4, 5]

    def unescape(field: str) -> Any:
        if field == "\\N":
            return None
        return field.replace("\\t", "\t").replace("\\n", "\n").replace("\\\\", "\\")

    parsed = [[unescape(f) for f in line.split("\t")] for line in text.splitlines()]
    assert all(p[0] == "7" and p[-1] == "import" for p in parsed)
    for fields, record in zip(parsed, records, strict=True):
        values = fields[1:-1]
        assert float(values[7]) == record[8]  # the weight as given: the same number
        as_text = [None if v is None else str(v) for v in record[1:]]
        assert values[:7] + values[8:] == as_text[:7] + as_text[8:]
