"""Request and response bodies of the community groups registry."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ConfigDict, Field

from services.activity.fields import AreaCode, Count, LongText, ShortText, StrictModel
from shared.bounds import PlausibleDate
from shared.contracts.taxonomy import GroupType


class GroupFields(StrictModel):
    name: ShortText
    group_type: GroupType
    area: AreaCode | None = None
    active: bool = Field(default=True, strict=True)
    active_from: PlausibleDate | None = None
    active_to: PlausibleDate | None = None
    members: Count | None = None
    contact: ShortText | None = None
    notes: LongText | None = None


class GroupIn(GroupFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Easton Community Speedwatch",
                    "group_type": "community_speedwatch",
                    "area": "BRS-01",
                    "active": True,
                    "active_from": "2021-04-01",
                    "members": 9,
                }
            ]
        },
    )


class GroupRead(GroupFields):
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
