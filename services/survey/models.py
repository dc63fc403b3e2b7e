"""Tables of the survey service (all prefixed `survey_`).

Responses keep one row per survey and respondent (the identity), with the answers of the
single-choice questions in numbered slots (`q01` ... `q30`, the answer option's position) and
free-text answers in `t1` ... `t3`. Fixed columns keep imports at COPY speed and let the
aggregation run as plain GROUP BY over small integers; which question uses which slot is part
of the survey definition, so a new survey needs no code.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from shared.audit import audit_table
from shared.db import UTCDateTime, service_registry, utcnow

CHOICE_SLOTS = 30
TEXT_SLOTS = 3


def choice_column(slot: int) -> str:
    return f"q{slot:02d}"


def text_column(slot: int) -> str:
    return f"t{slot}"


class SurveyTable(SQLModel, registry=service_registry()):
    """Base of every survey-service table (own MetaData, own migrations)."""


class Survey(SurveyTable, table=True):
    __tablename__ = "survey_survey"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(60), nullable=False, unique=True))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Question(SurveyTable, table=True):
    __tablename__ = "survey_question"
    __table_args__ = (UniqueConstraint("survey_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("survey_survey.id", ondelete="CASCADE"), nullable=False
        )
    )
    code: str = Field(sa_column=Column(String(60), nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))  # the current wording
    kind: str = Field(sa_column=Column(String(20), nullable=False))  # single_choice | free_text
    position: int
    slot: int | None = Field(
        default=None,
        sa_column=Column(Integer, nullable=True),
        description="Answer column of responses: q<slot> (single choice) or t<slot> (free text).",
    )
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))


class QuestionWording(SurveyTable, table=True):
    """Every wording a question has had: a new wording starts a new series."""

    __tablename__ = "survey_question_wording"
    __table_args__ = (UniqueConstraint("question_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("survey_question.id", ondelete="CASCADE"), nullable=False
        )
    )
    version: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    effective_from: str | None = Field(
        default=None,
        sa_column=Column(String(7), nullable=True),
        description="First wave asked with this wording (null: since the start).",
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class AnswerOption(SurveyTable, table=True):
    __tablename__ = "survey_answer_option"
    __table_args__ = (UniqueConstraint("question_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("survey_question.id", ondelete="CASCADE"), nullable=False
        )
    )
    code: str = Field(sa_column=Column(String(60), nullable=False))
    label: str = Field(sa_column=Column(String(200), nullable=False))
    position: int
    excluded_from_base: bool = False


class Response(SurveyTable, table=True):
    """One respondent's answers to one survey (identity: survey + respondent id)."""

    __tablename__ = "survey_response"
    # The primary key is the only B-tree: every further one costs imports dearly (a
    # (survey_id, wave) index made a million-row load a third slower). On PostgreSQL a BRIN
    # index on (survey_id, wave), nearly free to keep, lets an analysis of a range of waves
    # skip the others' pages (migration f3a9c1d7e5b2; not in the model: SQLite has no BRIN).

    # No foreign key to survey_survey on purpose: the per-row RI trigger cost a third of a
    # million-row import; survey ids are only ever written by the service from a loaded survey,
    # and surveys are never deleted through the API.
    survey_id: int = Field(sa_column=Column(Integer, primary_key=True))
    respondent_id: str = Field(sa_column=Column(String(100), primary_key=True))
    wave: str = Field(sa_column=Column(String(7), nullable=False))
    interview_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    area: str | None = Field(default=None, sa_column=Column(String(60), nullable=True))
    age_band: str | None = Field(default=None, sa_column=Column(String(20), nullable=True))
    sex: str | None = Field(default=None, sa_column=Column(String(20), nullable=True))
    ethnicity: str | None = Field(default=None, sa_column=Column(String(60), nullable=True))
    weight: float = Field(default=1.0, sa_column=Column(Float, nullable=False))
    q01: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q02: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q03: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q04: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q05: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q06: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q07: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q08: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q09: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q10: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q11: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q12: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q13: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q14: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q15: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q16: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q17: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q18: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q19: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q20: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q21: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q22: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q23: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q24: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q25: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q26: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q27: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q28: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q29: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    q30: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    t1: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    t2: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    t3: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    source: str = Field(sa_column=Column(String(20), nullable=False))  # import | api | demo
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class ImportJob(SurveyTable, table=True):
    """An import of a CSV or XLSX file: state and counts, polled by the client."""

    __tablename__ = "survey_import"
    __table_args__ = (Index("ix_survey_import_state", "state"),)

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    survey_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("survey_survey.id", ondelete="CASCADE"), nullable=False
        )
    )
    filename: str = Field(sa_column=Column(String(255), nullable=False))
    file_format: str = Field(sa_column=Column(String(10), nullable=False))  # csv | xlsx
    size_bytes: int
    columns: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    ignored_columns: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    state: str = Field(sa_column=Column(String(10), nullable=False))
    rows_read: int = 0
    accepted: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    failure: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Values matching no population margin, per column (services.survey.margin_check).
    warnings: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    created_by: str = Field(sa_column=Column(String(100), nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    started_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    finished_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    heartbeat_at: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime(), nullable=True),
        description="Last sign of life of the worker running the job.",
    )


class ImportRowError(SurveyTable, table=True):
    """A rejected cell or row of an import: row number (header = 1), column, reason."""

    __tablename__ = "survey_import_error"
    __table_args__ = (Index("ix_survey_import_error_import_id_row", "import_id", "row_number"),)

    id: int | None = Field(default=None, primary_key=True)
    import_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("survey_import.id", ondelete="CASCADE"), nullable=False
        )
    )
    row_number: int
    column: str = Field(sa_column=Column(String(100), nullable=False))
    reason: str = Field(sa_column=Column(String(500), nullable=False))


class ImportUploadChunk(SurveyTable, table=True):
    """The uploaded file of an import, in order, kept in the database so that whichever
    instance runs the job can read it (deleted when the job ends)."""

    __tablename__ = "survey_import_upload"

    import_id: str = Field(
        sa_column=Column(
            String(36),
            ForeignKey("survey_import.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    seq: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class PopulationMargin(SurveyTable, table=True):
    """Population counts (or shares) used for representativeness and raking."""

    __tablename__ = "survey_population_margin"
    __table_args__ = (UniqueConstraint("survey_id", "dimension", "category"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("survey_survey.id", ondelete="CASCADE"), nullable=False
        )
    )
    dimension: str = Field(sa_column=Column(String(20), nullable=False))  # age_band_sex | area
    category: str = Field(sa_column=Column(String(100), nullable=False))
    population: float = Field(sa_column=Column(Float, nullable=False))
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


# Append-only audit records of this service's writes and exports (`shared.audit`).
SURVEY_AUDIT = audit_table(SurveyTable.metadata, "survey")
