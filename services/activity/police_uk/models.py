"""Tables of the police.uk domain (prefixed `activity_police_uk_`): what data.police.uk
publishes and the Hub's areas do not hold already.

A neighbourhood's name, description, centre, population, contact details, team and
priorities stay on its area (`activity_area`), where the registries and the KPIs read them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, String, Text, Uuid
from sqlmodel import Field

from services.activity.models import ActivityTable
from shared.db import UTCDateTime, utcnow


class PoliceUkForce(ActivityTable, table=True):
    """A force as `forces/{id}` publishes it, with its senior officers (`forces/{id}/people`)."""

    __tablename__ = "activity_police_uk_force"

    id: str = Field(sa_column=Column(String(100), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    url: str | None = Field(default=None, sa_column=Column(String(500), nullable=True))
    telephone: str | None = Field(default=None, sa_column=Column(String(50), nullable=True))
    engagement_methods: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False),
        description="The force's channels (social accounts, web pages): data, not prose.",
    )
    senior_officers: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class PoliceUkNeighbourhood(ActivityTable, table=True):
    """What `/{force}/{id}` and `/boundary` publish beyond the area: links, locations, the
    force's page, and the boundary (GeoJSON, with its bounding box for the SQL pre-filter of
    `locate-neighbourhood`)."""

    __tablename__ = "activity_police_uk_neighbourhood"
    __table_args__ = (
        Index("ix_activity_police_uk_neighbourhood_bbox", "min_latitude", "max_latitude"),
    )

    area_code: str = Field(
        sa_column=Column(
            String(40), ForeignKey("activity_area.code", ondelete="CASCADE"), primary_key=True
        )
    )
    url_force: str | None = Field(default=None, sa_column=Column(String(500), nullable=True))
    links: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    locations: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    boundary: dict[str, Any] | None = Field(
        default=None,
        sa_column=Column(JSON, nullable=True),
        description="A GeoJSON Polygon or MultiPolygon ([longitude, latitude] positions).",
    )
    min_latitude: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    max_latitude: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    min_longitude: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    max_longitude: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class PoliceUkEvent(ActivityTable, table=True):
    """An activity its author marked public, with the description police.uk shows. Only these
    are ever served by `/events` (and only while planned, upcoming and not deleted).
    Withdrawing keeps the row (`public` false) so the list's Last-Modified moves on."""

    __tablename__ = "activity_police_uk_event"

    activity_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid, ForeignKey("activity_activity.id", ondelete="CASCADE"), primary_key=True
        )
    )
    public: bool = Field(sa_column=Column(Boolean, nullable=False))
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    published_by: str = Field(sa_column=Column(String(100), nullable=False))
    published_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
