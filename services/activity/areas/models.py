"""The areas registry's table: force -> district -> neighbourhood."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field

from services.activity.models import ActivityTable
from shared.db import UTCDateTime, utcnow


class Area(ActivityTable, table=True):
    """Force -> district -> neighbourhood (beat), with its data.police.uk identity."""

    __tablename__ = "activity_area"
    __table_args__ = (
        UniqueConstraint("police_uk_force", "police_uk_id"),
        Index("ix_activity_area_parent_code", "parent_code"),
    )

    code: str = Field(sa_column=Column(String(40), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    parent_code: str | None = Field(
        default=None, sa_column=Column(String(40), ForeignKey("activity_area.code"), nullable=True)
    )
    district_code: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    force_code: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    police_uk_force: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    police_uk_id: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    centre_latitude: float | None = None
    centre_longitude: float | None = None
    population: int | None = None
    contact_details: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    people: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    priorities: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
