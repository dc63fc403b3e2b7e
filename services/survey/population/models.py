"""The population margins table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field

from services.survey.models import SurveyTable
from shared.db import UTCDateTime, utcnow


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
