"""Request and response models of import jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

IMPORT_EXAMPLE_CSV = (
    "respondent_id,interview_date,area,age_band,sex,ethnicity,weight,informed,have_say,"
    "seen_officer,confidence,comments\r\n"
    "OPCC-2022-0001,2022-07-04,BRS-EAST,35-44,female,white_british,1.12,"
    "Not very well informed,no,yes,tend_to_agree,\r\n"
    "OPCC-2022-0002,2022-08-19,BRS-WEST,65-74,male,,0.87,fairly_well,YES,no,"
    "strongly_agree,More patrols near the shops please\r\n"
    "OPCC-2022-0003,2022-09-02,SOM-NORTH,16-24,female,asian,1.64,not_at_all,dont_know,no,"
    "neither,\r\n"
)
IMPORT_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "encoding": {
                    "file": {
                        "contentType": "text/csv, application/vnd.openxmlformats-"
                        "officedocument.spreadsheetml.sheet"
                    }
                },
                "examples": {
                    "csv": {
                        "summary": "Three respondents of 2022-Q3 (codes or labels, any case)",
                        "value": {"file": IMPORT_EXAMPLE_CSV},
                    }
                },
            }
        }
    }
}


class ImportRowErrorRead(BaseModel):
    row: int = Field(description="Row number in the file; the header is row 1.")
    column: str
    reason: str


class ImportWarning(BaseModel):
    """Values of one column that match no population margin: kept as given (they are the
    supplier's codes), but representativeness and weighting cannot place them."""

    column: Literal["area", "age_band", "sex"]
    rows: int = Field(description="Accepted rows holding such a value.")
    values: int = Field(description="How many distinct values match no margin.")
    examples: list[str] = Field(description="Up to 5 of them, most frequent first.")
    message: str


class ImportJobRead(BaseModel):
    id: str
    survey: str
    state: Literal["queued", "running", "done", "failed"]
    filename: str
    format: Literal["csv", "xlsx"]
    size_bytes: int
    columns: list[str]
    ignored_columns: list[str] = Field(
        description="Header columns that are not part of the format."
    )
    rows_read: int
    accepted: int = Field(description="Valid rows: inserted + updated + unchanged.")
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    failure: str | None
    warnings: list[ImportWarning] = Field(
        description="Per column (area, age band, sex): values matching no population margin "
        "of the survey. Empty when every value matches, or the survey has no margins for it."
    )
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    errors: list[ImportRowErrorRead] = Field(description="The first rejected rows, in file order.")
    errors_truncated: bool
    errors_csv: str = Field(description="Every rejected row as CSV.")
