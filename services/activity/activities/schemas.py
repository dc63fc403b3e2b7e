"""Request and response bodies of the engagement log."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from services.activity.fields import AreaCode, Count, LongText, MidText, ShortText, StrictModel
from shared.bounds import INSTANT_TEXT, PlausibleDate, PlausibleInstant
from shared.contracts.taxonomy import (
    ActivityStatus,
    ActivityType,
    Channel,
    Classification,
    Directorate,
    KeyStage,
    Purpose,
    ReviewDecision,
    ReviewState,
    Sentiment,
    Source,
    Topic,
)
from shared.problems import Problem

# Validation context for re-reading a stored activity (the base a merge patch applies to):
# rules added after a row was written do not stop it being read; the patched result must pass.
AS_STORED = "as_stored"


class Location(StrictModel):
    latitude: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False, strict=True)
    longitude: float | None = Field(
        default=None, ge=-180, le=180, allow_inf_nan=False, validate_default=True, strict=True
    )
    venue: ShortText | None = None

    @field_validator("longitude")
    @classmethod
    def _both_coordinates(cls, value: float | None, info: ValidationInfo) -> float | None:
        if "latitude" in info.data and (info.data["latitude"] is None) != (value is None):
            raise ValueError("give both latitude and longitude, or neither")
        return value


class Audience(StrictModel):
    groups: list[ShortText] = Field(default_factory=list, max_length=50)
    attendees: Count | None = None
    young_people: Count | None = None

    @field_validator("young_people")
    @classmethod
    def _young_within_attendees(cls, value: int | None, info: ValidationInfo) -> int | None:
        attendees = info.data.get("attendees")
        if value is not None and attendees is not None and value > attendees:
            raise ValueError("young_people cannot exceed attendees")
        return value


class School(StrictModel):
    name: ShortText
    urn: Annotated[str, StringConstraints(pattern=r"^\d{6,7}$")] | None = Field(
        default=None, description="Unique Reference Number (6 or 7 digits)."
    )
    key_stages: list[KeyStage] = Field(default_factory=list, max_length=6)


class Outcome(StrictModel):
    closing_report: LongText | None = None
    contributions: Count | None = None
    issues_raised: list[ShortText] = Field(default_factory=list, max_length=100)
    community_feedback: LongText | None = None
    sentiment: Sentiment | None = None


class Debrief(StrictModel):
    what_worked: LongText | None = None
    lessons: LongText | None = None


class ActionIn(StrictModel):
    """A "you said, we did" action: the issue the public raised, what is done, by whom, when."""

    id: uuid.UUID | None = Field(default=None, description="Kept across amendments if given.")
    issue: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    action: MidText | None = None
    owner: ShortText | None = None
    due_on: PlausibleDate | None = None
    done_on: PlausibleDate | None = None
    outcome: MidText | None = None


class ActionRead(BaseModel):
    id: uuid.UUID
    issue: str
    action: str | None
    owner: str | None
    due_on: date | None
    done_on: date | None
    outcome: str | None


class ActivityBase(StrictModel):
    title: ShortText
    status: ActivityStatus
    starts_at: PlausibleInstant = Field(description=INSTANT_TEXT)
    ends_at: PlausibleInstant | None = Field(default=None, description=INSTANT_TEXT)
    directorate: Directorate
    activity_type: ActivityType
    channel: Channel
    classification: Classification
    purpose: Purpose | None = None
    topics: list[Topic] = Field(default_factory=list, max_length=20)
    area: AreaCode = Field(
        description="Area code from the areas registry (a neighbourhood or a district); "
        "the district is derived."
    )
    location: Location | None = None
    audience: Audience | None = None
    school: School | None = None
    outcome: Outcome | None = None
    actions: list[ActionIn] = Field(default_factory=list, max_length=100)
    debrief: Debrief | None = None
    plan_id: uuid.UUID | None = Field(default=None, description="Plan this activity delivers.")
    intel_submitted: Count = 0
    notes: LongText | None = None
    source: Source = Source.api

    @field_validator("ends_at")
    @classmethod
    def _times_in_order(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        starts_at = info.data.get("starts_at")
        if value is not None and starts_at is not None and value < starts_at:
            raise ValueError("ends_at must not be before starts_at")
        return value

    @field_validator("school")
    @classmethod
    def _school_only_for_school_engagements(
        cls, value: School | None, info: ValidationInfo
    ) -> School | None:
        if info.context and info.context.get(AS_STORED):
            return value  # reading back a row written before this rule: what is, is
        activity_type = info.data.get("activity_type")
        if value is not None and activity_type not in (None, ActivityType.school_engagement):
            raise ValueError(
                "school details belong to school engagements only (activity_type "
                f"{ActivityType.school_engagement.value!r}, not {activity_type.value!r}); "
                "remove them or change the activity type"
            )
        return value

    @field_validator("actions")
    @classmethod
    def _unique_action_ids(cls, value: list[ActionIn]) -> list[ActionIn]:
        ids = [a.id for a in value if a.id is not None]
        if len(ids) != len(set(ids)):
            raise ValueError("action ids must be unique")
        return value


class ActivityUpdate(ActivityBase):
    """The whole editable activity, as a merge patch must leave it."""


class ActivityCreate(ActivityBase):
    id: uuid.UUID | None = Field(
        default=None,
        description="Optional client-generated id: resending the same body returns the stored "
        "activity; the same id with a different body is a 409.",
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "6f1c2b1e-4a57-4d0e-9a53-2f1f7d0c9a11",
                    "title": "PACT meeting, Easton community centre",
                    "status": "completed",
                    "starts_at": "2022-09-14T18:30:00+01:00",
                    "ends_at": "2022-09-14T20:00:00+01:00",
                    "directorate": "neighbourhood_partnerships",
                    "activity_type": "pact_meeting",
                    "channel": "face_to_face",
                    "classification": "engagement",
                    "purpose": "consult",
                    "topics": ["asb", "drugs"],
                    "area": "BRS-01",
                    "location": {
                        "latitude": 51.4633,
                        "longitude": -2.5621,
                        "venue": "Community centre",
                    },
                    "audience": {
                        "groups": ["Residents association"],
                        "attendees": 23,
                        "young_people": 2,
                    },
                    "outcome": {
                        "contributions": 11,
                        "issues_raised": ["Drug dealing near the park"],
                        "community_feedback": "Residents want more visible patrols in the evening.",
                        "sentiment": "mixed",
                    },
                    "actions": [
                        {
                            "issue": "Drug dealing near the park",
                            "action": "Evening patrols in the park for four weeks",
                            "owner": "Easton neighbourhood team",
                            "due_on": "2022-10-14",
                        }
                    ],
                    "intel_submitted": 1,
                    "source": "mobile",
                },
                {
                    "id": "0b8f3c2d-6e1a-4f7b-9c5d-8a2e4f6b1c3d",
                    "title": "Beat surgery, Easton library",
                    "status": "planned",
                    "starts_at": "2030-06-13T10:00:00+01:00",
                    "ends_at": "2030-06-13T12:00:00+01:00",
                    "directorate": "neighbourhood_partnerships",
                    "activity_type": "beat_surgery",
                    "channel": "face_to_face",
                    "classification": "engagement",
                    "purpose": "consult",
                    "topics": ["asb"],
                    "area": "BRS-01",
                    "location": {"latitude": 51.4640, "longitude": -2.5590, "venue": "Library"},
                    "source": "web",
                },
            ]
        },
    )


class Review(BaseModel):
    state: ReviewState
    comment: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None


class ActivityRead(BaseModel):
    id: uuid.UUID
    title: str
    status: ActivityStatus
    starts_at: datetime
    ends_at: datetime | None
    directorate: Directorate
    activity_type: ActivityType
    channel: Channel
    classification: Classification
    purpose: Purpose | None
    topics: list[Topic]
    area: str
    district: str
    location: Location | None
    audience: Audience | None
    school: School | None
    outcome: Outcome | None
    actions: list[ActionRead]
    debrief: Debrief | None
    plan_id: uuid.UUID | None
    intel_submitted: int
    notes: str | None
    source: Source
    review_state: ReviewState
    review: Review
    logged_by: str
    version: int
    created_at: datetime
    updated_at: datetime


class HistoryEntry(BaseModel):
    version: int = Field(description="The version the change produced.")
    change: str = Field(
        description="`created`, `amended`, `reviewed`, `deleted`, or `area_moved` (its area "
        "moved to another district, so the derived district changed)."
    )
    changed_by: str
    changed_at: datetime
    fields: list[str] = Field(description="Which fields changed.")
    changes: dict[str, Any] = Field(description="Field -> {old, new}.")
    comment: str | None = None


class ReviewIn(StrictModel):
    decision: ReviewDecision
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"decision": "flag", "comment": "Attendee count missing; please add it."}]
        },
    )


class BatchItemIn(ActivityCreate):
    """An activity in a batch: as for a single POST, but its client-generated `id` is
    required (a resend of the batch is recognised by it)."""

    id: uuid.UUID = Field(
        description="Client-generated; a resend of the batch stores nothing twice."
    )


class BatchIn(StrictModel):
    items: list[Any] = Field(
        description="Up to 500 activities, each with a client-generated `id` (so a resend is "
        "recognised); each is validated, stored and reported on its own."
    )


class BatchItemResult(BaseModel):
    index: int
    id: uuid.UUID | None
    outcome: str = Field(
        description="`created`, `replayed`, `conflict`, `gone` (the id is of an activity deleted "
        "since; nothing stored) or `invalid`."
    )
    status: int = Field(description="The status a single POST would have answered.")
    etag: str | None = Field(
        default=None,
        description="The stored activity's ETag (send it as `If-Match` to amend it), whenever "
        "the id names a stored activity: `created`, `replayed` and `conflict`; null for "
        "`invalid` and `gone`.",
    )
    problem: Problem | None = Field(
        default=None, description="Why the item was not stored, as a single POST would say."
    )


class BatchResult(BaseModel):
    created: int
    replayed: int
    conflict: int
    gone: int
    invalid: int
    items: list[BatchItemResult]
