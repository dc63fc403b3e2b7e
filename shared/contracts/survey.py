"""Survey analysis contracts: what the survey service answers and other services consume.

The KPI service reads survey results over HTTP with these models, so the shapes here are the
interface between the services. Shares are proportions (0-1); differences and slopes are in
percentage points.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, StringConstraints

# Calendar quarters of the years 1900-2100 (a wave outside them is a typing slip).
WAVE_PATTERN = r"^(19\d{2}|20\d{2}|2100)-Q[1-4]$"
_WAVE_RE = re.compile(WAVE_PATTERN)

Wave = Annotated[str, StringConstraints(pattern=WAVE_PATTERN)]

SUPPRESS_BELOW = 50
LOW_BASE_BELOW = 100
LONDON = ZoneInfo("Europe/London")


def wave_index(wave: str) -> int:
    """Quarters since year 0: consecutive waves differ by 1."""
    if not _WAVE_RE.match(wave):
        raise ValueError(f"{wave!r} is not a wave (YYYY-Qn)")
    return int(wave[:4]) * 4 + int(wave[6]) - 1


def wave_of_index(index: int) -> str:
    return f"{index // 4:04d}-Q{index % 4 + 1}"


def london_date(instant: datetime) -> date:
    """The Europe/London calendar date of an instant: periods are reckoned in local time."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime; give an aware instant")
    return instant.astimezone(LONDON).date()


def wave_of_date(day: date) -> str:
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def wave_range(first: str, last: str) -> list[str]:
    return [wave_of_index(i) for i in range(wave_index(first), wave_index(last) + 1)]


class Weighting(StrEnum):
    supplied = "supplied"
    """The `weight` column as imported (1 when not supplied)."""
    raked = "raked"
    """Raked per wave to the population margins (age band x sex, area), capped at 5x the mean."""
    none = "none"
    """Every response counts 1."""


class AnswerResult(BaseModel):
    answer: str
    label: str
    count: int = Field(description="Unweighted responses giving this answer.")
    weighted_count: float = Field(description="Sum of the weights of those responses.")
    n: int = Field(
        description="Unweighted base: responses with an answer counted in the base (every "
        "answer of the group shares it). Suppression and `low_base` are judged on it."
    )
    weighted_n: float = Field(description="Sum of the weights over the base.")
    effective_n: float = Field(
        description="Effective base (sum w)^2 / sum w^2 over the base, used for the CI."
    )
    share: float | None = Field(
        description="weighted_count / weighted_n; null when suppressed (base under "
        f"{SUPPRESS_BELOW})."
    )
    ci_low: float | None = Field(description="Wilson 95% interval on the effective base.")
    ci_high: float | None
    suppressed: bool = Field(description=f"The base has fewer than {SUPPRESS_BELOW} responses.")
    low_base: bool = Field(description=f"The base has fewer than {LOW_BASE_BELOW} responses.")


class ResultGroup(BaseModel):
    group: str = Field(description="The wave, or the demographic/area value (`(unknown)`).")
    base_n: int = Field(description="Responses with an answer counted in the base.")
    base_weighted_n: float
    base_effective_n: float
    excluded_n: int = Field(description="Answers excluded from the base (e.g. don't know).")
    suppressed: bool
    low_base: bool
    wording_version: int | None = Field(
        default=None, description="By wave: the wording asked in this wave."
    )
    series_break: bool = Field(
        default=False, description="By wave: the wording changed in this wave (a new series)."
    )
    answers: list[AnswerResult]


class QuestionResults(BaseModel):
    survey: str
    question: str
    question_text: str = Field(
        description="The wording asked in `to_wave` (by wave: each group's `wording_version` "
        "tells which wording that wave asked)."
    )
    wording_version: int = Field(description="Version of `question_text`.")
    by: str
    weighting: Weighting
    from_wave: str | None = Field(description="First wave included.")
    to_wave: str | None = Field(description="Last wave included.")
    filters: dict[str, str] = Field(default_factory=dict)
    groups: list[ResultGroup]


class SurveyResults(BaseModel):
    """Several questions' results at once (`GET /api/v1/surveys/{code}/results`)."""

    survey: str
    results: list[QuestionResults] = Field(
        description="One per question asked, in the order asked, each exactly what "
        "`/questions/{question}/results` answers with the same parameters."
    )


class ChangeAnswer(BaseModel):
    answer: str
    label: str
    share: float | None = Field(description="Share in the period compared (the later one).")
    baseline_share: float | None = Field(description="Share in the earlier period.")
    difference_pp: float | None = Field(description="share - baseline_share, percentage points.")
    z: float | None
    p: float | None
    significant: bool | None = Field(description="Two-sided p < 0.05 (never from CI overlap).")


class Comparison(BaseModel):
    kind: str = Field(
        description="`previous_quarter`, `same_quarter_last_year` or `rolling_four_quarters`."
    )
    period: list[str] = Field(description="The waves of the later period.")
    baseline: list[str] = Field(description="The waves of the earlier period.")
    effective_n: float | None
    baseline_effective_n: float | None
    base_n: int
    baseline_base_n: int
    comparable: bool = Field(
        description="False when either side is suppressed or the wording differs "
        "(a break in the series): no test is made then."
    )
    reason: str | None = None
    answers: list[ChangeAnswer]


class QuestionChanges(BaseModel):
    survey: str
    question: str
    to_wave: str
    weighting: Weighting
    comparisons: list[Comparison]


class AnswerTrend(BaseModel):
    answer: str
    label: str
    waves: int = Field(description="Waves in the series (suppressed or empty waves left out).")
    mann_kendall_s: float | None
    mann_kendall_tau: float | None
    z: float | None
    p: float | None
    trend: str | None = Field(description="`increasing`, `decreasing` or `no trend` (p < 0.05).")
    slope_pp_per_year: float | None = Field(description="Theil-Sen slope, points per year.")
    latest_wave: str | None = Field(
        description="The last wave of the series asked for (`last_wave`), even when it is "
        "suppressed or has no responses."
    )
    latest_suppressed: bool = Field(
        description=f"The latest wave has a base under {SUPPRESS_BELOW} (or none): its share "
        "is not shown and the record flags and last higher/lower waves are null, never taken "
        "from an older wave.",
    )
    latest_share: float | None
    record_high: bool | None = Field(
        description="The latest wave is above every earlier wave of the series (null when the "
        "latest wave is suppressed)."
    )
    record_low: bool | None = Field(
        description="The latest wave is below every earlier wave of the series (null when the "
        "latest wave is suppressed)."
    )
    last_higher_wave: str | None = Field(
        description="The most recent earlier wave with a higher share (null: highest since the "
        "first wave, or the latest wave is suppressed)."
    )
    last_lower_wave: str | None


class QuestionTrend(BaseModel):
    survey: str
    question: str
    weighting: Weighting
    first_wave: str | None = Field(description="First wave of the series analysed.")
    last_wave: str | None
    series_starts_at_break: bool = Field(
        description="The series starts at a change of wording; earlier waves are another series."
    )
    answers: list[AnswerTrend]


class AnswerCorrelation(BaseModel):
    answer_a: str
    answer_b: str
    waves: int
    r: float | None
    p: float | None
    significant: bool | None


class QuestionCorrelations(BaseModel):
    survey: str
    question: str
    weighting: Weighting
    from_wave: str | None = Field(
        description="First wave of the series correlated: waves asked with the wording of "
        "`to_wave` only (a change of wording starts a new series)."
    )
    to_wave: str | None
    series_starts_at_break: bool = Field(
        description="The series starts at a change of wording; earlier waves are another series "
        "and are left out."
    )
    pairs: list[AnswerCorrelation]
