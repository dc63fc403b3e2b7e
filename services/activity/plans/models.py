"""The plans registry's table: strategies and local engagement plans."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    Uuid,
)
from sqlmodel import Field

from services.activity.models import ActivityTable
from shared.db import UTCDateTime, utcnow


class Plan(ActivityTable, table=True):
    """Strategy -> local engagement plan -> planned activities (`Activity.plan_id`)."""

    __tablename__ = "activity_plan"
    __table_args__ = (Index("ix_activity_plan_parent_id", "parent_id"),)

    id: uuid.UUID = Field(primary_key=True)
    kind: str = Field(sa_column=Column(String(30), nullable=False))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    parent_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("activity_plan.id"), nullable=True)
    )
    area_code: str | None = Field(
        default=None, sa_column=Column(String(40), ForeignKey("activity_area.code"), nullable=True)
    )
    owner: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    starts_on: date = Field(sa_column=Column(Date, nullable=False))
    ends_on: date = Field(sa_column=Column(Date, nullable=False))
    objectives: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
