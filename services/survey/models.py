"""Tables of the survey service (all prefixed `survey_`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, service_registry, utcnow


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
    text: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(sa_column=Column(String(20), nullable=False))  # single_choice | free_text
    position: int


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
