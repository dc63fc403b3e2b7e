"""Request and response bodies of the volunteer hours registry."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from services.activity.fields import AreaCode, Count, LongText, StrictModel
from shared.contracts.taxonomy import VolunteerRole

MonthText = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


class HoursFields(StrictModel):
    role: VolunteerRole
    month: MonthText = Field(description="Calendar month, `2022-09`.")
    area: AreaCode | None = Field(default=None, description="Omit for force-wide hours.")
    volunteers: Count = 0
    hours: float = Field(ge=0, le=1_000_000, allow_inf_nan=False, strict=True)
    notes: LongText | None = None


class HoursIn(HoursFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "role": "special_constable",
                    "month": "2022-09",
                    "area": "BRS",
                    "volunteers": 42,
                    "hours": 1630.5,
                }
            ]
        },
    )


class HoursRead(HoursFields):
    id: uuid.UUID
    district: str | None
    version: int
    created_at: datetime
    updated_at: datetime
