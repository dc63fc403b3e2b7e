"""Tables of the KPI service (all prefixed `kpi_`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, String, Text
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, service_registry, utcnow


class KpiTable(SQLModel, registry=service_registry()):
    """Base of every KPI-service table (own MetaData, own migrations)."""


class KpiDefinition(KpiTable, table=True):
    """One KPI of the catalogue, with its published counting rule."""

    __tablename__ = "kpi_definition"

    code: str = Field(sa_column=Column(String(60), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    pillar: str = Field(sa_column=Column(String(60), nullable=False))
    objective: str = Field(sa_column=Column(Text, nullable=False))
    output: str = Field(sa_column=Column(Text, nullable=False))
    measure: str = Field(sa_column=Column(Text, nullable=False))
    qualitative: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    unit: str = Field(
        sa_column=Column(String(20), nullable=False)
    )  # count | percent | hours | rate
    direction: str = Field(sa_column=Column(String(20), nullable=False))  # higher_is_better | ...
    target: float | None = None
    tolerance: float | None = None
    counting_rule: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(
        sa_column=Column(String(20), nullable=False)
    )  # activity | survey | measurement
    source_binding: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
