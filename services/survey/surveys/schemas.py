"""Request and response models of survey definitions (analysis models: shared/contracts)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.survey.fields import StrictModel
from services.survey.imports.header import BASE_COLUMNS
from services.survey.responses.models import CHOICE_SLOTS, TEXT_SLOTS
from shared.contracts.survey import Wave

Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,59}$"),
]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Wording = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
RESERVED_SURVEY_CODES = frozenset({"imports"})
RESERVED_QUESTION_CODES = frozenset({*BASE_COLUMNS, "weight"})


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
