"""Request and response models of the activity service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.contracts.taxonomy import (
    ActivityStatus,
    ActivityType,
    Channel,
    Classification,
    Directorate,
    KeyStage,
    Purpose,
    ReviewState,
    Sentiment,
    Source,
    Topic,
)

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
AreaCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$"
    ),
]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


class StrictModel(BaseModel):
    """Unknown fields are refused, not ignored: a typo must not silently lose data."""

    model_config = ConfigDict(extra="forbid")


class Location(StrictModel):
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    venue: ShortText | None = None

    @model_validator(mode="after")
    def _both_coordinates(self) -> Location:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        return self


class Audience(StrictModel):
    groups: list[ShortText] = Field(default_factory=list, max_length=50)
    attendees: Count | None = None
    young_people: Count | None = None

    @model_validator(mode="after")
    def _young_within_attendees(self) -> Audience:
        both = self.attendees is not None and self.young_people is not None
        if both and self.young_people > self.attendees:  # type: ignore[operator]
            raise ValueError("young_people cannot exceed attendees")
        return self


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


class ActivityBase(StrictModel):
    title: ShortText
    status: ActivityStatus
    starts_at: AwareDatetime = Field(
        description="UTC instant (any offset accepted, stored as UTC)."
    )
    ends_at: AwareDatetime | None = None
    directorate: Directorate
    activity_type: ActivityType
    channel: Channel
    classification: Classification
    purpose: Purpose | None = None
    topics: list[Topic] = Field(default_factory=list, max_length=20)
    area: AreaCode = Field(description="Neighbourhood (beat) code; the district is derived.")
    location: Location | None = None
    audience: Audience | None = None
    school: School | None = None
    outcome: Outcome | None = None
    debrief: Debrief | None = None
    plan_id: uuid.UUID | None = None
    intel_submitted: Count = 0
    notes: LongText | None = None
    source: Source = Source.api

    @model_validator(mode="after")
    def _times_in_order(self) -> ActivityBase:
        if self.ends_at is not None and self.ends_at < self.starts_at:
            raise ValueError("ends_at must not be before starts_at")
        return self


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
                    "area": "BS-EAST-03",
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
                    "intel_submitted": 1,
                    "source": "mobile",
                }
            ]
        },
    )


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
    location: Location | None
    audience: Audience | None
    school: School | None
    outcome: Outcome | None
    debrief: Debrief | None
    plan_id: uuid.UUID | None
    intel_submitted: int
    notes: str | None
    source: Source
    review_state: ReviewState
    logged_by: str
    version: int
    created_at: datetime
    updated_at: datetime


class ActivityFilters(BaseModel):
    """Filters of `GET /activities` (all optional, combined with AND)."""

    area: str | None = None
    directorate: Directorate | None = None
    activity_type: ActivityType | None = None
    classification: Classification | None = None
    status: ActivityStatus | None = None
    from_: date | None = None
    to: date | None = None


def details_of(payload: ActivityBase) -> dict[str, Any]:
    """The nested parts kept together in the `details` column."""
    out: dict[str, Any] = {}
    for part in ("audience", "school", "outcome", "debrief"):
        value = getattr(payload, part)
        if value is not None:
            out[part] = value.model_dump(mode="json", exclude_none=True)
    return out
