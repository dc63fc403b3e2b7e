"""The volunteer hours registry's table."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlmodel import Field

from services.activity.models import ActivityTable
from shared.db import UTCDateTime, utcnow


class VolunteerHours(ActivityTable, table=True):
    """Citizens-in-policing hours given in one month (per role, optionally per area)."""

    __tablename__ = "activity_volunteer_hours"
    __table_args__ = (Index("ix_activity_volunteer_hours_local_month", "local_month"),)

    id: uuid.UUID = Field(primary_key=True)
    role: str = Field(sa_column=Column(String(40), nullable=False))
    local_month: int = Field(
        sa_column=Column(Integer, nullable=False), description="Year*100 + month."
    )
    area_code: str | None = Field(
        default=None, sa_column=Column(String(40), ForeignKey("activity_area.code"), nullable=True)
    )
    district_code: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    volunteers: int = 0
    hours: float = Field(sa_column=Column(Float, nullable=False))
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
