"""Frozen scorecards."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, Index, String
from sqlmodel import Field

from services.kpi.tables import KpiTable
from shared.db import UTCDateTime, utcnow


class Snapshot(KpiTable, table=True):
    """A scorecard exactly as reported to a board on a date (the document, stored whole)."""

    __tablename__ = "kpi_snapshot"
    __table_args__ = (Index("ix_kpi_snapshot_reported_on", "reported_on"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    board: str = Field(sa_column=Column(String(200), nullable=False))
    reported_on: date = Field(sa_column=Column(Date, nullable=False))
    period: str = Field(sa_column=Column(String(7), nullable=False))
    area: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    scorecard: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_by: str = Field(sa_column=Column(String(100), nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
