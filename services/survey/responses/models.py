"""The responses table.

Responses keep one row per survey and respondent (the identity), with the answers of the
single-choice questions in numbered slots (`q01` ... `q30`, the answer option's position) and
free-text answers in `t1` ... `t3`. Fixed columns keep imports at COPY speed and let the
aggregation run as plain GROUP BY over small integers; which question uses which slot is part
of the survey definition, so a new survey needs no code.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, Float, Integer, SmallInteger, String, Text
from sqlmodel import Field

from services.survey.models import SurveyTable
from shared.db import UTCDateTime, utcnow

CHOICE_SLOTS = 30
TEXT_SLOTS = 3


def choice_column(slot: int) -> str:
    return f"q{slot:02d}"


def text_column(slot: int) -> str:
    return f"t{slot}"


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
