"""The header of an import file: which columns the format has, what they may hold, and the
plan of a file's header (`plan_header`: its columns, the questions it carries, what it lacks).

The import format (README, "Survey import format"): a header row; `respondent_id`, `wave`
(`YYYY-Qn`) or `interview_date` (ISO date, the wave is derived), `area`, `age_band`, `sex`,
`ethnicity` (optional), `weight` (optional, default 1), then one column per question code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.survey.surveys.definition import QuestionDef, SurveyDef

REQUIRED = ("respondent_id", "area", "age_band", "sex")
OPTIONAL = ("ethnicity", "weight")
WAVE_COLUMNS = ("wave", "interview_date")
BASE_COLUMNS = ("respondent_id", "wave", "interview_date", "area", "age_band", "sex", "ethnicity")
# Staging layout: row_no, then these, then weight, then the question columns of the file.
STAGE_BASE = ("row_no", *BASE_COLUMNS, "weight")
LIMITS = {"respondent_id": 100, "area": 60, "age_band": 20, "sex": 20, "ethnicity": 60}
TEXT_LIMIT = 4000
MAX_WEIGHT = 1_000_000.0
FIRST_YEAR = 1990


# The cells of a CSV record that could not be read: `[CSV_ERROR, reason]`.
CSV_ERROR = "\x00csv"


class HeaderProblem(Exception):
    """The file cannot be imported at all: no header, missing columns, unreadable."""

    def __init__(self, message: str, missing: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.missing = list(missing)


@dataclass(frozen=True)
class HeaderPlan:
    header: list[str]
    present_base: list[str]
    questions: list[tuple[int, QuestionDef]]
    ignored: list[str]

    @property
    def stage_columns(self) -> list[str]:
        return [*STAGE_BASE, *(q.column for _, q in self.questions)]

    @property
    def update_columns(self) -> list[str]:
        """Columns an update may change: those the file carries (wave/date as a pair)."""
        out = ["wave", "interview_date"]
        out += [c for c in ("area", "age_band", "sex", "ethnicity", "weight") if c in self.present]
        out += [q.column for _, q in self.questions]
        return out

    @property
    def present(self) -> set[str]:
        return set(self.present_base)


def normalise_name(name: Any) -> str:
    return str(name if name is not None else "").strip().lstrip("\ufeff").strip().lower()


def plan_header(survey: SurveyDef, raw_header: Sequence[Any]) -> HeaderPlan:
    header = [normalise_name(h) for h in raw_header]
    if not any(header):
        raise HeaderProblem("the file has no header row")
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise HeaderProblem(f"column {name!r} appears twice in the header")
        seen.add(name)
    missing = [c for c in REQUIRED if c not in seen]
    if not any(c in seen for c in WAVE_COLUMNS):
        missing.append("wave or interview_date")
    by_code = {q.code.lower(): q for q in survey.questions}
    questions = [(i, by_code[name]) for i, name in enumerate(header) if name in by_code]
    if not questions:
        missing.append(
            "at least one question column (" + ", ".join(q.code for q in survey.questions) + ")"
        )
    if missing:
        raise HeaderProblem("missing required columns: " + ", ".join(missing), missing)
    known = set(BASE_COLUMNS) | {"weight"} | set(by_code)
    ignored = [h for h in header if h and h not in known]
    present_base = [c for c in (*BASE_COLUMNS, "weight") if c in seen]
    return HeaderPlan(header, present_base, questions, ignored)
