"""KPI contracts: the scorecard, the XmR series and the 24-hour station profile.

What the KPI service answers (`GET /api/v1/kpis/scorecard`, `GET /api/v1/kpis/{code}/series`,
`GET /api/v1/kpis/{code}/profile`) and what the report and dashboard build on. Values of
`percent` KPIs are percentages (0-100), like their targets and intervals.

These models only ever grow (new optional fields): clients may rely on every field here.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

# The published rules, served in the API (`rag_rule`, `spc_rules`) and the OpenAPI text.
RAG_RULE = (
    "Judged against the target in force on the last day of the period (an area's own target, "
    "else its district's, else the force-wide one), in the KPI's direction. Green: the value "
    "meets the target. Amber: it misses the target by no more than the tolerance. Red: it "
    "misses by more. Survey-based KPIs are green only when the whole 95% interval meets the "
    "target (the lower bound for higher-is-better KPIs); a value that meets the target while "
    "its interval does not is amber. Targets of KPIs that add up over time (counts, hours, "
    "summed measurements) are set per month and scaled by the months in the period. KPIs "
    "without a direction (neutral), without a target, or without a value have no RAG status "
    "(null)."
)
SPC_RULES = (
    "XmR chart as in NHS Making Data Count. Mean of the baseline points (every point of the "
    "segment unless a baseline of n points fixes the limits); moving ranges |x(i) - x(i-1)| "
    "within a segment; moving ranges of at least 3.267 x their mean are screened out and the "
    "mean moving range recomputed without them; limits = mean +/- 2.66 x mean moving range. "
    "Special causes: a point outside the limits; 7 points in a row on one side of the mean (a "
    "point on the mean breaks the run); 7 points in a row each higher (or each lower) than the "
    "one before (an equal value breaks it); 2 of 3 points in a row beyond two thirds of the way "
    "from the mean to a limit, on the same side. Each is an improvement or a concern by the "
    "KPI's direction (neither for neutral KPIs). Limits are rebased at dated process changes "
    "(a new segment starts at the first period on or after the change). Variation describes "
    "the latest point; assurance compares the target with the latest segment's limits: "
    "consistent pass when every value within the limits meets the target, consistent fail "
    "when none does, inconsistent otherwise. Fewer than 12 points in a segment: a warning."
)


class KpiStatus(StrEnum):
    available = "available"
    unavailable = "unavailable"
    """A source the KPI needs was down, slow or refused; `reason` says which and why."""


class Rag(StrEnum):
    green = "green"
    amber = "amber"
    red = "red"


class Nature(StrEnum):
    improvement = "improvement"
    concern = "concern"
    neither = "neither"
    """The KPI has no direction (neutral)."""


class SpecialCauseRule(StrEnum):
    outside_limits = "outside_limits"
    shift = "shift"
    """7 points in a row on one side of the mean."""
    trend = "trend"
    """7 points in a row rising or falling."""
    two_of_three = "two_of_three"
    """2 of 3 points in a row beyond two thirds of the way to a limit, on one side."""


class Variation(StrEnum):
    common_cause = "common_cause"
    special_cause_improvement = "special_cause_improvement"
    special_cause_concern = "special_cause_concern"
    special_cause_neither = "special_cause_neither"
    not_enough_data = "not_enough_data"
    """Fewer than two points: no limits can be drawn."""


class Assurance(StrEnum):
    consistent_pass = "consistent_pass"
    consistent_fail = "consistent_fail"
    inconsistent = "inconsistent"
    no_target = "no_target"
    not_enough_data = "not_enough_data"


class NoteCode(StrEnum):
    low_base = "low_base"
    suppressed = "suppressed"
    missing_measurement = "missing_measurement"
    stale_measurement = "stale_measurement"
    source_unavailable = "source_unavailable"
    no_target = "no_target"
    survey_quarterly = "survey_quarterly"
    survey_district = "survey_district"
    series_break = "series_break"
    few_points = "few_points"
    registry_current = "registry_current"


class DataQualityNote(BaseModel):
    code: NoteCode
    message: str


class TargetInForce(BaseModel):
    """The target a period is judged against."""

    id: str
    value: float = Field(description="The target for this period (scaled: see `per_month`).")
    tolerance: float = Field(description="How far from the target is still amber (KPI units).")
    area: str | None = Field(description="The area the target is set for; null: force-wide.")
    valid_from: date
    valid_to: date | None
    per_month: bool = Field(
        default=False,
        description="The KPI adds up over time (a count, hours, a sum): its target is set per "
        "month and `value`/`tolerance` are scaled by the months in the period.",
    )
    set_value: float | None = Field(default=None, description="The target as set (per month).")


class Change(BaseModel):
    """The change from the previous period of the same length."""

    previous_period: str
    previous_value: float | None
    difference: float | None = Field(description="value - previous_value, in the KPI's unit.")
    p: float | None = Field(
        default=None, description="Survey KPIs: two-sided p of the two-proportion z-test."
    )
    significant: bool | None = Field(
        default=None, description="Survey KPIs: p < 0.05 (effective bases); null otherwise."
    )


class KpiResult(BaseModel):
    """One KPI for one area and period, as a scorecard row."""

    code: str
    name: str
    measure: str
    qualitative: str | None
    unit: str
    direction: str
    source: str
    counting_rule: str
    status: KpiStatus
    reason: str | None = Field(default=None, description="Why the KPI is unavailable.")
    period: str
    area: str | None = Field(description="null: force-wide.")
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    ci_low: float | None = Field(default=None, description="Survey KPIs: 95% Wilson interval.")
    ci_high: float | None = None
    base_n: int | None = Field(default=None, description="Survey KPIs: unweighted base.")
    effective_n: float | None = None
    target: TargetInForce | None = None
    rag: Rag | None = None
    variation: Variation = Variation.not_enough_data
    assurance: Assurance = Assurance.not_enough_data
    special_causes: list[SpecialCauseRule] = Field(
        default_factory=list, description="Rules the latest point triggers."
    )
    change: Change | None = None
    notes: list[DataQualityNote] = Field(default_factory=list)
    breakdown: dict[str, float] | None = Field(
        default=None,
        description="The value broken down (e.g. school engagements by topic: an engagement "
        "counts under each of its topics, so the parts may add up to more than the value).",
    )
    breakdown_by: str | None = Field(default=None, description="What `breakdown` is by.")


class OutputGroup(BaseModel):
    output: str
    kpis: list[KpiResult]


class ObjectiveGroup(BaseModel):
    objective: str
    outputs: list[OutputGroup]


class PillarGroup(BaseModel):
    pillar: str
    objectives: list[ObjectiveGroup]


class RagCounts(BaseModel):
    green: int = 0
    amber: int = 0
    red: int = 0
    none: int = Field(default=0, description="KPIs without a RAG status.")
    unavailable: int = 0


class Scorecard(BaseModel):
    """Every KPI for an area and a period, grouped pillar -> objective -> output."""

    period: str = Field(description="`2022-09`, `2022-Q3` or `2022`.")
    period_start: date
    period_end: date
    area: str | None = Field(description="null: force-wide.")
    area_name: str | None = None
    generated_at: datetime
    rag_rule: str = RAG_RULE
    counts: RagCounts
    pillars: list[PillarGroup]

    def kpis(self) -> list[KpiResult]:
        """Every KPI of the scorecard, in table order."""
        return [
            kpi
            for pillar in self.pillars
            for objective in pillar.objectives
            for output in objective.outputs
            for kpi in output.kpis
        ]


class Grain(StrEnum):
    month = "month"
    quarter = "quarter"


class SeriesPoint(BaseModel):
    period: str
    period_start: date
    period_end: date
    value: float | None = Field(description="null: no data for the period (not charted).")
    numerator: float | None = None
    denominator: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    target: float | None = Field(default=None, description="Target in force on the last day.")
    moving_range: float | None = None
    moving_range_screened: bool = Field(
        default=False, description="Left out of the mean moving range (>= 3.267 x the mean)."
    )
    segment: int = Field(default=0, description="Index into `segments` (rebasing).")
    special_causes: list[SpecialCauseRule] = Field(default_factory=list)
    nature: Nature | None = Field(default=None, description="Set when a special cause applies.")


class Segment(BaseModel):
    """One stretch of the chart with its own limits (a new one at each process change)."""

    first_period: str
    last_period: str
    starts_at_change: date | None = Field(default=None, description="The process change.")
    points: int
    baseline_points: int = Field(description="Points the mean and limits are computed from.")
    mean: float | None
    mean_moving_range: float | None
    upper_limit: float | None
    lower_limit: float | None
    upper_two_thirds: float | None = Field(description="Two thirds of the way to the upper limit.")
    lower_two_thirds: float | None


class SpecialCause(BaseModel):
    rule: SpecialCauseRule
    nature: Nature
    periods: list[str] = Field(description="The points that make up the signal.")


class KpiSeries(BaseModel):
    """The XmR chart of a KPI for an area."""

    code: str
    name: str
    unit: str
    direction: str
    area: str | None
    grain: Grain
    first_period: str
    last_period: str
    status: KpiStatus
    reason: str | None = None
    points: list[SeriesPoint]
    segments: list[Segment]
    mean: float | None = Field(description="The latest segment's mean.")
    upper_limit: float | None
    lower_limit: float | None
    special_causes: list[SpecialCause]
    variation: Variation
    assurance: Assurance
    warnings: list[str] = Field(default_factory=list)
    notes: list[DataQualityNote] = Field(default_factory=list)
    spc_rules: str = SPC_RULES


class HourShare(BaseModel):
    hour: int = Field(ge=0, le=23, description="Local hour of day (0 = 00:00-00:59).")
    officers_in: float = Field(description="Average officers in station in that hour.")
    officers_out: float = Field(description="Average officers out of station in that hour.")
    out_share: float | None = Field(description="officers_out / (in + out), percent.")


class StationProfile(BaseModel):
    """% time out of station by hour of day, and average officers in station, for a period."""

    code: str
    period: str
    area: str | None
    days: int = Field(description="Days with measurements in the period.")
    hours: list[HourShare] = Field(description="24 hours, 0 to 23 (hours without data: zeros).")
    out_share: float | None = Field(description="Over the whole day.")
