"""The community groups registry's table."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlmodel import Field

from services.activity.models import ActivityTable
from shared.db import UTCDateTime, utcnow


class CommunityGroup(ActivityTable, table=True):
    __tablename__ = "activity_community_group"
    __table_args__ = (Index("ix_activity_community_group_area_code", "area_code"),)

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(sa_column=Column(String(200), nullable=False))
    group_type: str = Field(sa_column=Column(String(40), nullable=False))
    area_code: str | None = Field(
        default=None, sa_column=Column(String(40), ForeignKey("activity_area.code"), nullable=True)
    )
    active: bool = Field(sa_column=Column(Boolean, nullable=False))
    active_from: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    active_to: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    members: int | None = None
    contact: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
