"""Request and response models of targets."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.bounds import PlausibleDate

AreaCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$"
    ),
]


class TargetIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"valid_from": "2020-04-01", "valid_to": "2021-03-31", "value": 60, "tolerance": 5},
                {"valid_from": "2022-04-01", "valid_to": "2023-03-31", "area": "BRS", "value": 65},
            ]
        },
    )

    valid_from: PlausibleDate
    valid_to: PlausibleDate | None = Field(
        default=None, description="Last day (inclusive); open-ended."
    )
    area: AreaCode | None = Field(default=None, description="Omit for a force-wide target.")
    value: float = Field(allow_inf_nan=False, description="In the KPI's unit (percent: 0-100).")
    tolerance: float = Field(
        default=0.0, ge=0, allow_inf_nan=False, description="Amber band beyond the target."
    )
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class TargetRead(BaseModel):
    id: uuid.UUID
    kpi: str
    area: str | None = Field(description="null: force-wide.")
    valid_from: date
    valid_to: date | None
    value: float
    tolerance: float
    note: str | None
    created_at: datetime
