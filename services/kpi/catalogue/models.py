"""The KPI definition table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Integer, String, Text
from sqlmodel import Field

from services.kpi.tables import KpiTable
from shared.db import UTCDateTime, utcnow


class KpiDefinition(KpiTable, table=True):
    """One KPI of the catalogue, with its published counting rule and where its data comes from."""

    __tablename__ = "kpi_definition"

    code: str = Field(sa_column=Column(String(60), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    pillar: str = Field(sa_column=Column(String(60), nullable=False))
    objective: str = Field(sa_column=Column(Text, nullable=False))
    output: str = Field(sa_column=Column(Text, nullable=False))
    measure: str = Field(sa_column=Column(Text, nullable=False))
    qualitative: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    unit: str = Field(sa_column=Column(String(20), nullable=False))  # count|percent|hours|rate
    direction: str = Field(sa_column=Column(String(20), nullable=False))
    owner_role: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    counting_rule: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(sa_column=Column(String(20), nullable=False))  # activity|survey|measurement
    source_binding: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    # Position in the report's table (pillar -> objective -> output order); custom KPIs last.
    position: int = Field(default=1000, sa_column=Column(Integer, nullable=False))
    custom: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    # Process changes (ISO dates) where the XmR limits are rebased, and the baseline size.
    spc_changes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    spc_baseline: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
