"""Tables of survey definitions: surveys, their questions, every wording a question has had,
and the ordered answer options."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field

from services.survey.models import SurveyTable
from shared.db import UTCDateTime, utcnow


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
