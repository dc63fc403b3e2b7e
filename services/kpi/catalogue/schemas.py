"""Request and response models of the catalogue."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from shared.bounds import PlausibleDate

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
KpiCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{2,59}$")]


Unit = Literal["count", "percent", "hours", "rate"]


class Direction(StrEnum):
    higher_is_better = "higher_is_better"
    lower_is_better = "lower_is_better"
    neutral = "neutral"


class Source(StrEnum):
    activity = "activity"
    survey = "survey"
    measurement = "measurement"


class Aggregate(StrEnum):
    """How a measurement-fed KPI combines the measurements of a period and area."""

    sum = "sum"
    """The sum of the values."""
    ratio = "ratio"
    """Sum of numerators over sum of denominators (x 100 for percent KPIs)."""
    mean = "mean"
    """The mean of the values."""


class KpiRead(BaseModel):
    code: str
    name: str
    pillar: str
    objective: str
    output: str
    measure: str = Field(description="The KPI (measurement) as worded in the directorate's table.")
    qualitative: str | None = Field(description="The qualitative measure beside it, if any.")
    unit: Unit
    direction: Direction
    owner_role: str | None = Field(description="Who answers for the KPI (a role, never a name).")
    counting_rule: str = Field(description="How the value is counted, in words.")
    source: Source
    source_binding: dict[str, Any] = Field(description="What the value is computed from.")
    position: int = Field(description="Order in the report's table (custom KPIs after it).")
    custom: bool = Field(description="Created through the API (fed by measurements).")
    spc_changes: list[date] = Field(
        description="Process changes: the XmR limits are rebased at each."
    )
    spc_baseline: int | None = Field(
        description="Limits fixed from the first n points of each segment (null: every point)."
    )
    version: int
    created_at: datetime
    updated_at: datetime


_EXAMPLE: dict[str, Any] = {
    "code": "iag_meetings_attended_share",
    "name": "IAG meetings attended",
    "pillar": "engagement",
    "objective": "To have a good understanding of our communities needs, risks and threats.",
    "output": "Local IAGs in place which are representative of local communities.",
    "measure": "% of IAG meetings attended by the neighbourhood team",
    "unit": "percent",
    "direction": "higher_is_better",
    "owner_role": "Neighbourhood inspector",
    "counting_rule": "IAG meetings attended over IAG meetings held in the period, as recorded "
    "by the IAG secretariat.",
    "aggregate": "ratio",
}


class KpiCreate(BaseModel):
    """A custom KPI, fed by measurements."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    code: KpiCode
    name: ShortText
    pillar: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,59}$")]
    objective: LongText
    output: LongText
    measure: LongText
    qualitative: LongText | None = None
    unit: Unit
    direction: Direction
    owner_role: ShortText | None = None
    counting_rule: LongText
    aggregate: Aggregate = Aggregate.sum
    spc_changes: list[PlausibleDate] = Field(default_factory=list, max_length=20)
    spc_baseline: int | None = Field(default=None, ge=2, le=120)


class KpiPatch(BaseModel):
    """Fields to change; a field left out is kept, `null` clears an optional one."""

    model_config = ConfigDict(extra="forbid")

    # `null` is refused for a field a KPI cannot lack (`REQUIRED_ON_PATCH`, checked by the
    # service, naming the field): left out of the schema, which offers `null` only where it
    # clears.
    name: ShortText | SkipJsonSchema[None] = None
    objective: LongText | SkipJsonSchema[None] = None
    output: LongText | SkipJsonSchema[None] = None
    measure: LongText | SkipJsonSchema[None] = None
    qualitative: LongText | None = None
    direction: Direction | SkipJsonSchema[None] = None
    owner_role: ShortText | None = None
    counting_rule: LongText | SkipJsonSchema[None] = None
    spc_changes: list[PlausibleDate] | None = Field(default=None, max_length=20)
    spc_baseline: int | None = Field(default=None, ge=2, le=120)


# Fields that may not be null (the rest may be cleared).
REQUIRED_ON_PATCH = ("name", "objective", "output", "measure", "direction", "counting_rule")
