"""Request and response models of the KPI service."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class KpiRead(BaseModel):
    code: str
    name: str
    pillar: str
    objective: str
    output: str
    measure: str = Field(description="The KPI (measurement) as worded in the directorate's table.")
    qualitative: str | None = Field(description="The qualitative measure beside it, if any.")
    unit: Literal["count", "percent", "hours", "rate"]
    direction: Literal["higher_is_better", "lower_is_better", "neutral"]
    target: float | None
    tolerance: float | None
    counting_rule: str = Field(description="How the value is counted, in words.")
    source: Literal["activity", "survey", "measurement"]
    source_binding: dict[str, Any]
