"""Request and response models of snapshots."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.kpi.calculation.periods import PERIOD_PATTERN
from services.kpi.targets.schemas import AreaCode
from shared.bounds import PlausibleDate
from shared.contracts.kpi import KpiStatus, Rag, Scorecard


class SnapshotIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "board": "Directorate Leadership Meeting",
                    "reported_on": "2022-10-12",
                    "period": "2022-Q3",
                }
            ]
        },
    )

    board: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    reported_on: PlausibleDate = Field(description="The day it was (or will be) reported.")
    period: Annotated[str, StringConstraints(max_length=7, pattern=PERIOD_PATTERN)] | None = Field(
        default=None, description="Default: the latest complete quarter."
    )
    area: AreaCode | None = Field(default=None, description="Omit for force-wide.")


class KpiDifference(BaseModel):
    code: str
    name: str
    reported_value: float | None
    current_value: float | None
    difference: float | None = Field(description="current - reported, in the KPI's unit.")
    reported_rag: Rag | None
    current_rag: Rag | None
    reported_status: KpiStatus | None
    current_status: KpiStatus | None
    changed: bool = Field(description="The value, RAG or status is not what was reported.")


class SnapshotRead(BaseModel):
    id: uuid.UUID
    board: str
    reported_on: date
    period: str
    area: str | None
    created_by: str
    created_at: datetime
    scorecard: Scorecard = Field(description="Exactly as reported.")
    compared_at: datetime | None = Field(
        default=None, description="With `compare=current`: when today's figures were computed."
    )
    differences: list[KpiDifference] | None = Field(
        default=None, description="With `compare=current`: each KPI, reported vs today."
    )


class SnapshotSummary(BaseModel):
    id: uuid.UUID
    board: str
    reported_on: date
    period: str
    area: str | None
    created_at: datetime
