"""Request and response bodies of the plans registry."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.activity.fields import AreaCode, LongText, ShortText, StrictModel
from shared.bounds import PlausibleDate
from shared.contracts.taxonomy import PlanKind


class PlanFields(StrictModel):
    kind: PlanKind
    title: ShortText
    parent_id: uuid.UUID | None = Field(
        default=None, description="A local engagement plan's strategy."
    )
    area: AreaCode | None = Field(default=None, description="Where a local plan applies.")
    owner: ShortText | None = None
    starts_on: PlausibleDate
    ends_on: PlausibleDate
    objectives: list[ShortText] = Field(default_factory=list, max_length=50)
    notes: LongText | None = None


class PlanIn(PlanFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "strategy",
                    "title": "Neighbourhood community engagement strategy 2022-25",
                    "owner": "Thematic lead for engagement",
                    "starts_on": "2022-04-01",
                    "ends_on": "2025-03-31",
                    "objectives": ["Inform", "Consult", "Co-operate"],
                }
            ]
        },
    )


class PlanActivityCounts(BaseModel):
    planned: int = 0
    completed: int = 0
    cancelled: int = 0


class PlanRead(PlanFields):
    id: uuid.UUID
    activities: PlanActivityCounts
    version: int
    created_at: datetime
    updated_at: datetime
