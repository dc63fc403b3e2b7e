"""Measurements: values recorded for a KPI, period and area from another system."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field

from services.kpi.tables import KpiTable
from shared.db import UTCDateTime, utcnow

FORCE_WIDE = ""  # the `area` of a force-wide measurement (a key column, so never NULL)
# A measurement's district in its totals when it has none: no area has the force-wide code.
NO_DISTRICT = FORCE_WIDE


class Measurement(KpiTable, table=True):
    """One value. Its identity is (KPI, period, area, source reference): a resend of the same
    value changes nothing, a different value with the same identity is a correction."""

    __tablename__ = "kpi_measurement"
    __table_args__ = (
        UniqueConstraint("kpi_code", "period", "area", "source_ref"),
        Index("ix_kpi_measurement_kpi_code_first_month", "kpi_code", "first_month"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kpi_code: str = Field(
        sa_column=Column(String(60), ForeignKey("kpi_definition.code"), nullable=False)
    )
    period: str = Field(sa_column=Column(String(7), nullable=False))
    # The period as months since year 0 (first and last inclusive), for range queries.
    first_month: int = Field(sa_column=Column(Integer, nullable=False))
    last_month: int = Field(sa_column=Column(Integer, nullable=False))
    area: str = Field(default=FORCE_WIDE, sa_column=Column(String(40), nullable=False))
    district: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    source_ref: str = Field(default="", sa_column=Column(String(200), nullable=False))
    hour: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    value: float = Field(sa_column=Column(Float, nullable=False))
    numerator: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    denominator: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    recorded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class MeasurementTotal(KpiTable, table=True):
    """The measurements of one KPI, period, area and district, summed: what the scorecard and
    series read instead of summing every measurement per request. Recomputed from
    `kpi_measurement` by the repository in the transaction of each write there."""

    __tablename__ = "kpi_measurement_total"

    kpi_code: str = Field(sa_column=Column(String(60), primary_key=True))
    period: str = Field(sa_column=Column(String(7), primary_key=True))
    area: str = Field(sa_column=Column(String(40), primary_key=True))
    # NO_DISTRICT for the measurements without one (a key column, so never NULL).
    district: str = Field(sa_column=Column(String(40), primary_key=True))
    first_month: int = Field(sa_column=Column(Integer, nullable=False))
    last_month: int = Field(sa_column=Column(Integer, nullable=False))
    count: int = Field(sa_column=Column(Integer, nullable=False))
    value_sum: float = Field(sa_column=Column(Float, nullable=False))
    # NULL when no measurement of the group has one, as SUM gives it.
    numerator_sum: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    denominator_sum: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    last_updated: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class SocialAccount(KpiTable, table=True):
    """A social-media account and the area its posts count for (NPT accounts by area)."""

    __tablename__ = "kpi_social_account"

    account: str = Field(sa_column=Column(String(200), primary_key=True))
    area: str = Field(default=FORCE_WIDE, sa_column=Column(String(40), nullable=False))
    district: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    network: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
