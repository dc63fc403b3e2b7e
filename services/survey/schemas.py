"""Request and response models of the survey service (analysis models: shared/contracts)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from services.survey.models import CHOICE_SLOTS, TEXT_SLOTS
from services.survey.rows import BASE_COLUMNS
from shared.bounds import PlausibleDate
from shared.contracts.survey import Wave

Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,59}$"),
]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Wording = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
RESERVED_SURVEY_CODES = frozenset({"imports"})


def _wave_any_case(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


# As in import files: `2022-q3` is read as `2022-Q3`.
AnyCaseWave = Annotated[Wave, BeforeValidator(_wave_any_case)]
RESERVED_QUESTION_CODES = frozenset({*BASE_COLUMNS, "weight"})


class StrictModel(BaseModel):
    """Unknown fields are refused, not ignored: a typo must not silently lose data."""

    model_config = ConfigDict(extra="forbid")


class AnswerOptionIn(StrictModel):
    code: Code
    label: Label
    excluded_from_base: bool = Field(
        default=False, description="Not counted in the base of shares (e.g. don't know)."
    )


class QuestionIn(StrictModel):
    code: Code = Field(description="Also the column name in import files.")
    text: Wording
    kind: Literal["single_choice", "free_text"] = "single_choice"
    options: list[AnswerOptionIn] = Field(
        default_factory=list, max_length=60, description="In order; none for free text."
    )

    @model_validator(mode="after")
    def _options_fit_kind(self) -> QuestionIn:
        if self.code in RESERVED_QUESTION_CODES:
            raise ValueError(f"{self.code!r} is a column of the import format, not a question code")
        if self.kind == "free_text":
            if self.options:
                raise ValueError("a free-text question has no answer options")
            return self
        if len(self.options) < 2:
            raise ValueError("a single-choice question needs at least two answer options")
        codes = [o.code for o in self.options]
        if len(set(codes)) != len(codes):
            raise ValueError("answer codes must be unique within a question")
        labels = [o.label.lower() for o in self.options]
        if len(set(labels)) != len(labels):
            raise ValueError("answer labels must be unique within a question (any case)")
        for option in self.options:
            for other in self.options:
                if other is not option and other.label.lower() == option.code:
                    raise ValueError(f"answer code {option.code!r} is another answer's label")
        if all(o.excluded_from_base for o in self.options):
            raise ValueError("at least one answer must count in the base")
        return self


class SurveyCreate(StrictModel):
    code: Code
    title: Label
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    questions: list[QuestionIn] = Field(min_length=1, max_length=CHOICE_SLOTS + TEXT_SLOTS)

    @model_validator(mode="after")
    def _questions_fit(self) -> SurveyCreate:
        if self.code in RESERVED_SURVEY_CODES:
            raise ValueError(f"{self.code!r} is reserved")
        codes = [q.code for q in self.questions]
        if len(set(codes)) != len(codes):
            raise ValueError("question codes must be unique within a survey")
        if sum(q.kind == "single_choice" for q in self.questions) > CHOICE_SLOTS:
            raise ValueError(f"at most {CHOICE_SLOTS} single-choice questions")
        if sum(q.kind == "free_text" for q in self.questions) > TEXT_SLOTS:
            raise ValueError(f"at most {TEXT_SLOTS} free-text questions")
        return self

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "two_minute",
                    "title": "Two-minute local policing survey",
                    "description": "Short survey shared on neighbourhood social media pages.",
                    "questions": [
                        {
                            "code": "know_team",
                            "text": "Do you know who your neighbourhood policing team is?",
                            "options": [
                                {"code": "yes", "label": "Yes"},
                                {"code": "no", "label": "No"},
                                {
                                    "code": "not_sure",
                                    "label": "Not sure",
                                    "excluded_from_base": True,
                                },
                            ],
                        },
                        {
                            "code": "priority",
                            "text": "What should your local team focus on?",
                            "kind": "free_text",
                        },
                    ],
                }
            ]
        },
    )


class WordingCreate(StrictModel):
    text: Wording
    effective_from: Wave = Field(description="First wave asked with the new wording.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "How well informed do you feel about what the police in your area "
                    "are doing to tackle crime and anti-social behaviour?",
                    "effective_from": "2023-Q1",
                }
            ]
        },
    )


class WordingRead(BaseModel):
    version: int
    text: str
    effective_from: str | None = Field(description="First wave; null: since the start.")


class AnswerOptionRead(BaseModel):
    code: str
    label: str
    excluded_from_base: bool


class QuestionRead(BaseModel):
    code: str
    text: str = Field(description="The current wording.")
    kind: Literal["single_choice", "free_text"]
    version: int = Field(description="Version of the current wording.")
    options: list[AnswerOptionRead]
    wordings: list[WordingRead] = Field(
        description="Every wording; each new one breaks the series."
    )


class ImportAnswer(BaseModel):
    code: str
    label: str


class ImportColumn(BaseModel):
    """One column of the survey's import format (CSV or XLSX, header row first)."""

    name: str = Field(description="The header name (any case).")
    requirement: Literal["required", "wave_or_interview_date", "optional", "question"] = Field(
        description="`required`; `wave_or_interview_date` (one of the two is required); "
        "`optional`; `question` (at least one question column is required)."
    )
    format: str
    example: str = Field(description="The value the template's example row holds.")
    answers: list[ImportAnswer] | None = Field(
        description="A single-choice question's accepted answers: a cell holds the code or the "
        "label (any case). Null for other columns."
    )


class ImportTemplates(BaseModel):
    csv: str = Field(description="A CSV template (UTF-8 with BOM): the header and an example row.")
    xlsx: str = Field(description="The same as an XLSX workbook.")


class SurveyRead(BaseModel):
    code: str
    title: str
    description: str | None
    questions: list[QuestionRead]
    import_columns: list[ImportColumn] = Field(
        description="The import format: every column, required or optional, its format and "
        "accepted codes and labels."
    )
    import_templates: ImportTemplates


# --- imports ------------------------------------------------------------------------------

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


# --- JSON responses -----------------------------------------------------------------------


class ResponseIn(StrictModel):
    respondent_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]
    wave: AnyCaseWave | None = Field(
        default=None, description="`YYYY-Qn` (any case, as in import files)."
    )
    interview_date: PlausibleDate | None = None
    area: Category | None = None
    age_band: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    sex: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    ethnicity: Category | None = None
    weight: float = Field(default=1.0, gt=0, le=1_000_000, allow_inf_nan=False, strict=True)
    answers: dict[str, Annotated[str, StringConstraints(max_length=4000)] | None] = Field(
        default_factory=dict,
        max_length=CHOICE_SLOTS + TEXT_SLOTS,
        description="Question code -> answer code or label (any case); free text as written.",
    )

    @model_validator(mode="after")
    def _wave_or_date(self) -> ResponseIn:
        if self.wave is None and self.interview_date is None:
            raise ValueError("give the wave or the interview date")
        return self


class ResponsesSubmit(StrictModel):
    """A small set of responses (e.g. from an online form). All are stored, or none."""

    responses: list[ResponseIn] = Field(min_length=1, max_length=5000)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "responses": [
                        {
                            "respondent_id": "WEB-2022-000123",
                            "interview_date": "2022-09-14",
                            "area": "BRS-EAST",
                            "age_band": "35-44",
                            "sex": "female",
                            "ethnicity": "white_british",
                            "answers": {
                                "informed": "Not very well informed",
                                "have_say": "no",
                                "seen_officer": "yes",
                                "confidence": "tend_to_agree",
                                "comments": "More patrols near the park in the evening, please.",
                            },
                        }
                    ]
                }
            ]
        },
    )


class ResponsesResult(BaseModel):
    received: int
    inserted: int
    updated: int
    unchanged: int


# --- population margins and representativeness -------------------------------------------


# More people than live on Earth is a typing slip, not a population.
MAX_POPULATION = 1e10


class AgeSexPopulation(StrictModel):
    age_band: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    sex: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    population: float = Field(
        gt=0,
        le=MAX_POPULATION,
        allow_inf_nan=False,
        strict=True,
        description="Count or share; normalised per dimension.",
    )


class AreaPopulation(StrictModel):
    area: Category
    population: float = Field(gt=0, le=MAX_POPULATION, allow_inf_nan=False, strict=True)


class PopulationMargins(StrictModel):
    """Population margins for weighting and representativeness; replaces earlier margins."""

    age_band_sex: list[AgeSexPopulation] = Field(min_length=1, max_length=500)
    area: list[AreaPopulation] = Field(default_factory=list, max_length=2000)

    @model_validator(mode="after")
    def _unique(self) -> PopulationMargins:
        cells = [(c.age_band, c.sex) for c in self.age_band_sex]
        if len(set(cells)) != len(cells):
            raise ValueError("each age band and sex once")
        areas = [a.area for a in self.area]
        if len(set(areas)) != len(areas):
            raise ValueError("each area once")
        return self

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "age_band_sex": [
                        {"age_band": "16-34", "sex": "female", "population": 160000},
                        {"age_band": "16-34", "sex": "male", "population": 165000},
                        {"age_band": "35-64", "sex": "female", "population": 250000},
                        {"age_band": "35-64", "sex": "male", "population": 245000},
                        {"age_band": "65+", "sex": "female", "population": 120000},
                        {"age_band": "65+", "sex": "male", "population": 100000},
                    ],
                    "area": [
                        {"area": "BRS-EAST", "population": 520000},
                        {"area": "SOM-WEST", "population": 520000},
                    ],
                }
            ]
        },
    )


class MixCategory(BaseModel):
    category: str
    respondents: int
    sample_share: float
    population_share: float | None = Field(description="Null: not in the population margins.")
    difference_pp: float | None = Field(description="sample - population, percentage points.")
    representation: float | None = Field(description="sample share / population share.")


class MixDimension(BaseModel):
    dimension: Literal["age_band_sex", "age_band", "sex", "area"]
    categories: list[MixCategory]


class WaveWeighting(BaseModel):
    wave: str
    respondents: int
    design_effect: float = Field(description="Kish: n * sum w^2 / (sum w)^2 of the raked weights.")
    effective_n: float
    max_weight: float = Field(description="Largest weight (mean 1); capped at 5.")
    capped_cells: int
    converged: bool


class Representativeness(BaseModel):
    survey: str
    from_wave: str | None
    to_wave: str | None
    respondents: int
    margins_loaded: bool
    dimensions: list[MixDimension]
    weighting: list[WaveWeighting] = Field(description="Raking per wave (empty without margins).")


class CommentRead(BaseModel):
    respondent_id: str
    wave: str
    area: str | None
    question: str
    text: str
