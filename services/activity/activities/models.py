"""Tables of the engagement log: activities, their "you said, we did" actions, their
amendment history, and the Idempotency-Keys of their creates."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    text,
)
from sqlmodel import Field

from services.activity.models import ActivityTable
from shared.db import UTCDateTime, utcnow


class Activity(ActivityTable, table=True):
    __tablename__ = "activity_activity"
    __table_args__ = (
        Index("ix_activity_activity_starts_at_id", "starts_at", "id"),
        Index("ix_activity_activity_area_code_starts_at", "area_code", "starts_at"),
        Index("ix_activity_activity_directorate_starts_at", "directorate", "starts_at"),
        Index("ix_activity_activity_district_code_starts_at", "district_code", "starts_at"),
        Index("ix_activity_activity_status_starts_at", "status", "starts_at"),
        Index("ix_activity_activity_status_week_start", "status", "week_start", "area_code"),
        # Covers the aggregate queries (index-only scans on PostgreSQL): filters in the key,
        # every grouping and measure included, deleted rows left out.
        Index(
            "ix_activity_activity_counting",
            "status",
            "local_date",
            postgresql_include=[
                "local_month",
                "district_code",
                "area_code",
                "directorate",
                "activity_type",
                "classification",
                "attendees",
                "young_people",
                "topic_mask",
            ],
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        # The same for counts of one activity type (a type's topic breakdown over a quarter
        # read ~1/10 of the entries the date-first index scans for it).
        Index(
            "ix_activity_activity_counting_by_type",
            "status",
            "activity_type",
            "local_date",
            postgresql_include=[
                "local_month",
                "district_code",
                "area_code",
                "directorate",
                "classification",
                "attendees",
                "young_people",
                "topic_mask",
            ],
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
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
    topic_mask: int = Field(
        default=0,
        sa_column=Column(Integer, nullable=False, server_default="0"),
        description="The topics as bits (`TOPIC_BITS`): topic filters and counts in one pass.",
    )
    area_code: str = Field(
        sa_column=Column(String(40), ForeignKey("activity_area.code"), nullable=False)
    )
    district_code: str = Field(
        sa_column=Column(String(40), nullable=False),
        description="Derived from the areas registry when the activity is written.",
    )
    local_date: date = Field(
        sa_column=Column(Date, nullable=False),
        description="Europe/London local date of `starts_at`: periods are reckoned on it.",
    )
    local_month: int = Field(
        sa_column=Column(Integer, nullable=False), description="Local year*100 + month."
    )
    week_start: date = Field(
        sa_column=Column(Date, nullable=False), description="Monday of the local week."
    )
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
    plan_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(Uuid, ForeignKey("activity_plan.id"), nullable=True, index=True),
    )
    search_text: str = Field(
        default="",
        sa_column=Column(Text, nullable=False),
        description="Title, notes, feedback and debrief: what full-text search indexes.",
    )
    intel_submitted: int = 0
    logged_by: str = Field(sa_column=Column(String(100), nullable=False))
    source: str = Field(sa_column=Column(String(20), nullable=False))
    review_state: str = Field(sa_column=Column(String(20), nullable=False))
    review_comment: str | None = Field(default=None, sa_column=Column(String(2000), nullable=True))
    reviewed_by: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    reviewed_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
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
    deleted_by: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))


class ActivityAction(ActivityTable, table=True):
    """A "you said, we did" action: issue -> action -> owner -> due -> done."""

    __tablename__ = "activity_action"
    __table_args__ = (
        Index("ix_activity_action_done_on_due_on", "done_on", "due_on"),
        # Soonest due first, undated last: the order of `GET /actions`, walked by this index.
        Index("ix_activity_action_due_on_id", "due_on", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    activity_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid,
            ForeignKey("activity_activity.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    position: int = 0
    issue: str = Field(sa_column=Column(String(500), nullable=False))
    action: str | None = Field(default=None, sa_column=Column(String(2000), nullable=True))
    owner: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    due_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    done_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    outcome: str | None = Field(default=None, sa_column=Column(String(2000), nullable=True))


class ActivityHistory(ActivityTable, table=True):
    """One amendment of an activity: who, when, which fields, old -> new."""

    __tablename__ = "activity_history"
    __table_args__ = (Index("ix_activity_history_activity_id_version", "activity_id", "version"),)

    id: uuid.UUID = Field(primary_key=True)
    activity_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid, ForeignKey("activity_activity.id", ondelete="CASCADE"), nullable=False
        )
    )
    version: int = Field(description="The version this change produced.")
    change: str = Field(sa_column=Column(String(20), nullable=False))
    changed_by: str = Field(sa_column=Column(String(100), nullable=False))
    changed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    comment: str | None = Field(default=None, sa_column=Column(String(2000), nullable=True))


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
