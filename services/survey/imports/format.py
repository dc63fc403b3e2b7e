"""The import format of a survey, stated: every column (required or optional, its format, the
accepted answer codes and labels), and CSV / XLSX templates to fill in.

Built from the same constants the row validator uses (`services.survey.imports.header`), so what
`GET /surveys/{code}` states is what an import checks.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from services.survey.imports.header import FIRST_YEAR, LIMITS, MAX_WEIGHT, REQUIRED, TEXT_LIMIT
from services.survey.surveys.definition import SurveyDef

_BASE: list[dict[str, Any]] = [
    {
        "name": "respondent_id",
        "format": f"text, up to {LIMITS['respondent_id']} characters; with the survey it is "
        "the identity of a response (importing it again updates it)",
        "example": "OPCC-2022-0001",
    },
    {
        "name": "wave",
        "format": f"`YYYY-Qn`, a calendar quarter from {FIRST_YEAR} on, not in the future "
        "(any case)",
        "example": "2022-Q3",
    },
    {
        "name": "interview_date",
        "format": f"ISO date `YYYY-MM-DD` from {FIRST_YEAR} on, not in the future; the wave "
        "is derived from it (and must agree with `wave` when both are given)",
        "example": "2022-07-04",
    },
    {
        "name": "area",
        "format": f"the supplier's area code as given, up to {LIMITS['area']} characters; "
        "values matching no population margin are kept and reported as job warnings",
        "example": "BRS-EAST",
    },
    {
        "name": "age_band",
        "format": f"the supplier's age band as given, up to {LIMITS['age_band']} characters "
        "(matched against the population margins' age bands)",
        "example": "35-44",
    },
    {
        "name": "sex",
        "format": f"as given, up to {LIMITS['sex']} characters (matched against the "
        "population margins)",
        "example": "female",
    },
    {
        "name": "ethnicity",
        "format": f"as given, up to {LIMITS['ethnicity']} characters",
        "example": "white_british",
    },
    {
        "name": "weight",
        "format": f"a positive decimal number up to {MAX_WEIGHT:g}; empty: 1",
        "example": "1",
    },
]


def _requirement(name: str) -> str:
    if name in REQUIRED:
        return "required"
    if name in ("wave", "interview_date"):
        return "wave_or_interview_date"
    return "optional"


def import_columns(survey: SurveyDef) -> list[dict[str, Any]]:
    """Every column of the import format, in template order."""
    columns = [{**c, "requirement": _requirement(c["name"]), "answers": None} for c in _BASE]
    for question in survey.questions:
        if question.kind == "single_choice":
            answers = [{"code": o.code, "label": o.label} for o in question.options]
            columns.append(
                {
                    "name": question.code,
                    "requirement": "question",
                    "format": "an answer code or its label (any case); empty: no answer",
                    "example": question.options[0].code if question.options else "",
                    "answers": answers,
                }
            )
        else:
            columns.append(
                {
                    "name": question.code,
                    "requirement": "question",
                    "format": f"free text, up to {TEXT_LIMIT} characters; empty: no answer",
                    "example": "",
                    "answers": None,
                }
            )
    return columns


def template_rows(survey: SurveyDef) -> list[list[str]]:
    """The header and one example row."""
    columns = import_columns(survey)
    return [[c["name"] for c in columns], [str(c["example"]) for c in columns]]


def csv_template(survey: SurveyDef) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(template_rows(survey))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_template(survey: SurveyDef) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    for row in template_rows(survey):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
