"""The Engagement Assurance Report as JSON: every finding carries its evidence.

The survey and activity figures are the source services' own answers (shared contracts),
embedded unchanged, so another system can check each sentence against its numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from shared.contracts.activity import AggregateResponse
from shared.contracts.kpi import KpiSeries, Scorecard
from shared.contracts.survey import (
    QuestionChanges,
    QuestionCorrelations,
    QuestionResults,
    QuestionTrend,
)

FigureValue = float | int | str | bool | None


class Evidence(BaseModel):
    """The numbers behind one sentence, the test made and where the numbers came from."""

    source: str = Field(description="The endpoint the figures came from, e.g. `survey: …/changes`.")
    test: str | None = Field(default=None, description="The statistical test, when one was made.")
    p: float | None = Field(default=None, description="Two-sided p-value of that test.")
    significant: bool | None = Field(default=None, description="p < 0.05.")
    figures: dict[str, FigureValue] = Field(default_factory=dict)


class Finding(BaseModel):
    key: str = Field(description="Stable identifier, e.g. `survey.informed.fairly_well.trend`.")
    section: int = Field(ge=1, le=7)
    kind: str = Field(
        description="`change`, `trend`, `record`, `correlation`, `association`, `estimate`, "
        "`activity`, `kpi`, `data_quality` or `no_data`."
    )
    headline: bool = Field(default=False, description="Listed in the executive summary.")
    sentence: str
    evidence: Evidence


class SourceStatus(BaseModel):
    name: str = Field(description="`activity`, `survey` or `kpi`.")
    available: bool
    as_of: datetime = Field(description="When the figures were read.")
    reason: str | None = None


class Scope(BaseModel):
    period: str
    period_start: date
    period_end: date
    waves: list[str] = Field(description="Survey waves (calendar quarters) in the period.")
    area: str | None
    area_name: str | None
    area_kind: str | None
    survey: str
    questions: list[str]
    sources: list[SourceStatus]
    out_of_scope: list[str]


class SurveyQuestionSection(BaseModel):
    question: str
    text: str | None
    results: QuestionResults | None = Field(description="Shares by wave with 95% intervals.")
    changes: QuestionChanges | None
    trend: QuestionTrend | None
    correlations: QuestionCorrelations | None
    findings: list[Finding]


class MixRow(BaseModel):
    dimension: str
    category: str
    respondents: int
    sample_share: float
    population_share: float | None
    difference_pp: float | None


class WeightingRow(BaseModel):
    wave: str
    respondents: int
    design_effect: float
    effective_n: float
    max_weight: float


class RepresentativenessSection(BaseModel):
    from_wave: str | None
    to_wave: str | None
    respondents: int
    margins_loaded: bool
    mix: list[MixRow]
    weighting: list[WeightingRow]
    findings: list[Finding]


class SurveySection(BaseModel):
    available: bool
    questions: list[SurveyQuestionSection]
    representativeness: RepresentativenessSection | None
    findings: list[Finding] = Field(default_factory=list)


class CountRow(BaseModel):
    key: str | None
    activities: int
    attendees: int


class ActionCounts(BaseModel):
    """Exact counts of the "you said, we did" actions raised at the period's activities."""

    total: int
    done: int
    open: int
    overdue: int = Field(description="Open and due before `as_of`.")
    as_of: date = Field(description="The local day overdue is judged on.")


class OverlapRow(BaseModel):
    week_start: date
    reason: str
    where: str | None
    first_directorate: str
    second_directorate: str
    first_title: str
    second_title: str


class ActivitySection(BaseModel):
    available: bool
    totals: CountRow | None
    by_directorate: list[CountRow]
    by_classification: list[CountRow]
    by_activity_type: list[CountRow]
    by_purpose: list[CountRow] = Field(
        description="Inform / consult / co-operate (key null: no purpose recorded)."
    )
    by_channel: list[CountRow]
    by_month: list[CountRow]
    planned_vs_delivered: list[dict[str, Any]] = Field(
        description="Per directorate: completed, planned (not yet reconciled) and cancelled."
    )
    neighbourhoods_without_engagement: list[str]
    neighbourhoods_total: int
    overlaps: list[OverlapRow]
    unreconciled: int
    actions: ActionCounts | None
    aggregate: AggregateResponse | None = Field(
        description="The activity service's aggregate by directorate and classification."
    )
    not_covered: list[str] = Field(description="What the sources cannot yet break down.")
    findings: list[Finding]


class AssociationRow(BaseModel):
    area: str
    level: str = Field(description="`district` or `neighbourhood`.")
    residents: int | None
    engagements: int
    per_1000: float | None
    shares: dict[str, float | None] = Field(
        description="Positive share per question (e.g. informed = very or fairly well)."
    )
    bases: dict[str, int]


class AssociationResult(BaseModel):
    question: str
    areas: int
    rho: float | None
    ci_low: float | None
    ci_high: float | None
    p: float | None


class AssociationSection(BaseModel):
    available: bool
    level: str | None
    rows: list[AssociationRow]
    results: list[AssociationResult]
    findings: list[Finding]


class DataQualitySection(BaseModel):
    findings: list[Finding]


class ScorecardSection(BaseModel):
    available: bool
    scorecard: Scorecard | None = Field(
        description="The KPI service's scorecard for the period, as `GET /kpis/scorecard`."
    )
    series: dict[str, KpiSeries] = Field(
        default_factory=dict, description="Each KPI's XmR series, as `GET /kpis/{code}/series`."
    )
    findings: list[Finding]


class Report(BaseModel):
    title: str
    generated_at: datetime
    scope: Scope
    executive_summary: list[Finding]
    survey: SurveySection
    activity: ActivitySection
    scorecard: ScorecardSection
    engagement_and_confidence: AssociationSection
    data_quality: DataQualitySection
