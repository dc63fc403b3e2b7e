"""Bodies of the finding endpoints (overlaps)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import (
    BaseModel,
    Field,
)

from shared.contracts.taxonomy import (
    ActivityType,
    Directorate,
)


class OverlapActivity(BaseModel):
    id: uuid.UUID
    title: str
    directorate: Directorate
    activity_type: ActivityType
    starts_at: datetime
    area: str
    venue: str | None


class Overlap(BaseModel):
    week_start: date = Field(description="Monday of the local week.")
    reason: str = Field(description="`same_area` or `same_venue`.")
    area: str | None
    venue: str | None
    first: OverlapActivity
    second: OverlapActivity
