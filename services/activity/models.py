"""Tables of the activity service (all prefixed `activity_`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, String, Text
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, service_registry, utcnow


class ActivityTable(SQLModel, registry=service_registry()):
    """Base of every activity-service table (own MetaData, own migrations)."""


class Activity(ActivityTable, table=True):
    __tablename__ = "activity_activity"
    __table_args__ = (
        Index("ix_activity_activity_starts_at_id", "starts_at", "id"),
        Index("ix_activity_activity_area_code_starts_at", "area_code", "starts_at"),
        Index("ix_activity_activity_directorate_starts_at", "directorate", "starts_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    title: str = Field(sa_column=Column(String(200), nullable=False))
    status: str = Field(sa_column=Column(String(20), nullable=False))
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ends_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    directorate: str = Field(sa_column=Column(String(40), nullable=False))
    activity_type: str = Field(sa_column=Column(String(40), nullable=False))
    channel: str = Field(sa_column=Column(String(20), nullable=False))
    classification: str = Field(sa_column=Column(String(20), nullable=False))
    purpose: str | None = Field(default=None, sa_column=Column(String(20), nullable=True))
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    area_code: str = Field(sa_column=Column(String(40), nullable=False))
    venue: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    latitude: float | None = None
    longitude: float | None = None
    attendees: int | None = None
    young_people: int | None = None
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    details: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSON, nullable=False),
        description="Nested parts (audience groups, school, outcome, debrief) as sent.",
    )
    plan_id: uuid.UUID | None = None
    intel_submitted: int = 0
    logged_by: str = Field(sa_column=Column(String(100), nullable=False))
    source: str = Field(sa_column=Column(String(20), nullable=False))
    review_state: str = Field(sa_column=Column(String(20), nullable=False))
    version: int = 1
    request_hash: str = Field(
        sa_column=Column(String(64), nullable=False),
        description="SHA-256 of the create request, to tell a resend from a different body.",
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    deleted_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    delete_reason: str | None = Field(default=None, sa_column=Column(String(500), nullable=True))


class IdempotencyRecord(ActivityTable, table=True):
    """A remembered `Idempotency-Key`: written in the same transaction as what it protects."""

    __tablename__ = "activity_idempotency_key"

    principal_id: str = Field(sa_column=Column(String(100), primary_key=True))
    key: str = Field(sa_column=Column(String(255), primary_key=True))
    method: str = Field(sa_column=Column(String(10), nullable=False))
    path: str = Field(sa_column=Column(String(255), nullable=False))
    request_hash: str = Field(sa_column=Column(String(64), nullable=False))
    status_code: int
    response_body: str = Field(sa_column=Column(Text, nullable=False))
    response_headers: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
