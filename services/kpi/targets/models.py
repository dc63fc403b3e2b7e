"""Dated targets."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, Date, Float, ForeignKey, Index, String, Text
from sqlmodel import Field

from services.kpi.tables import KpiTable
from shared.db import UTCDateTime, utcnow

FORCE_WIDE = ""  # the `area` of a force-wide target (a key column, so never NULL)


class KpiTarget(KpiTable, table=True):
    """A target valid from a date (to an optional date) for one area or force-wide."""

    __tablename__ = "kpi_target"
    __table_args__ = (Index("ix_kpi_target_kpi_code_area", "kpi_code", "area", "valid_from"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kpi_code: str = Field(
        sa_column=Column(String(60), ForeignKey("kpi_definition.code"), nullable=False)
    )
    area: str = Field(default=FORCE_WIDE, sa_column=Column(String(40), nullable=False))
    valid_from: date = Field(sa_column=Column(Date, nullable=False))
    valid_to: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    value: float = Field(sa_column=Column(Float, nullable=False))
    tolerance: float = Field(default=0.0, sa_column=Column(Float, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
