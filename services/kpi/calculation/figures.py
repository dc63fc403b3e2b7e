"""A KPI's figures for one period from the fetched inputs: value, numerator, denominator,
interval, notes. Pure: no I/O.

Survey KPIs: a single answer in a single wave takes the survey service's share and interval
as they are; several answers (e.g. very + fairly well informed) or several waves (a year) are
pooled from the survey's own weighted counts and effective bases (effective n of pooled waves
= (sum of weighted n)^2 / sum of weighted n^2 / effective n), with the same Wilson interval
(`shared.statistics`). The survey is quarterly: a month is shown with its quarter's wave.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.kpi.calculation.bindings import (
    ActiveGroups,
    ActivityCount,
    Binding,
    Measured,
    RegisterShare,
    SurveyShare,
    VolunteerHours,
)
from services.kpi.calculation.inputs import Failed, Inputs
from services.kpi.calculation.periods import Period, PeriodKind
from shared.contracts.kpi import DataQualityNote, NoteCode
from shared.contracts.survey import LOW_BASE_BELOW, SUPPRESS_BELOW, ResultGroup
from shared.statistics import wilson_interval


@dataclass
class Figure:
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    base_n: int | None = None
    effective_n: float | None = None
    share: float | None = None  # survey KPIs: the proportion (0-1), for tests of change
    breakdown: dict[str, float] | None = None
    unavailable: str | None = None
    # The first message of each code, in order; contract models only for the answer
    # (`data_quality`): a scorecard works out ~200 figures and reports 15.
    notes: dict[NoteCode, str] = field(default_factory=dict)

    def note(self, code: NoteCode, message: str) -> None:
        self.notes.setdefault(code, message)

    def data_quality(self) -> list[DataQualityNote]:
        return [DataQualityNote(code=code, message=text) for code, text in self.notes.items()]


def _unavailable(failure: Failed) -> Figure:
    figure = Figure(unavailable=f"{failure.source} source unavailable: {failure.reason}")
    figure.note(NoteCode.source_unavailable, figure.unavailable or "")
    return figure


def figure_for(binding: Binding, unit: str, period: Period, inputs: Inputs) -> Figure:
    if isinstance(binding, ActivityCount):
        return _activity(binding, period, inputs)
    if isinstance(binding, VolunteerHours):
        return _hours(period, inputs)
    if isinstance(binding, RegisterShare | ActiveGroups):
        return _register(binding, period, inputs)
    if isinstance(binding, SurveyShare):
        return _survey(binding, period, inputs)
    return _measured(binding, unit, period, inputs)


def _activity(binding: ActivityCount, period: Period, inputs: Inputs) -> Figure:
    counts = inputs.activity_counts
    if isinstance(counts, Failed):
        return _unavailable(counts)
    counts = counts or {}
    months = range(period.first_month, period.last_month + 1)
    total = sum(counts.get((m, t), 0) for m in months for t in binding.types)
    figure = Figure(value=float(total), numerator=float(total))
    if binding.breakdown and inputs.breakdown_period == period:
        found = inputs.breakdowns.get((binding.types, binding.breakdown))
        if isinstance(found, dict):
            figure.breakdown = {k: float(v) for k, v in found.items()}
    return figure


def _hours(period: Period, inputs: Inputs) -> Figure:
    hours = inputs.volunteer_hours
    if isinstance(hours, Failed):
        return _unavailable(hours)
    hours = hours or {}
    months = range(period.first_month, period.last_month + 1)
    recorded = [hours[m] for m in months if m in hours]
    figure = Figure(value=round(sum(recorded), 3))
    if len(recorded) < period.months:
        figure.note(
            NoteCode.missing_measurement,
            f"volunteer hours recorded for {len(recorded)} of {period.months} month(s)",
        )
    return figure


def _register(binding: RegisterShare | ActiveGroups, period: Period, inputs: Inputs) -> Figure:
    registers = inputs.registers
    if isinstance(registers, Failed):
        return _unavailable(registers)
    months = binding.months if isinstance(binding, RegisterShare) else None
    days = (registers or {}).get(months) if months else next(iter((registers or {}).values()), None)
    counts = (days or {}).get(period.end)
    if counts is None:
        return Figure()
    if isinstance(binding, ActiveGroups):
        active = sum(counts.active_groups.get(t, 0) for t in binding.group_types)
        return Figure(value=float(active), numerator=float(active))
    if binding.metric == "profile_complete_share":
        part, share = counts.profiles_complete, counts.profile_complete_share
    else:
        part, share = counts.priorities_current, counts.priorities_current_share
    figure = Figure(
        value=None if share is None else round(share * 100, 4),
        numerator=float(part),
        denominator=float(counts.neighbourhoods),
    )
    if binding.metric == "profile_complete_share":
        figure.note(
            NoteCode.registry_current,
            "beat profiles as they are now (the registry keeps no history of profiles)",
        )
    return figure


def _survey(binding: SurveyShare, period: Period, inputs: Inputs) -> Figure:
    waves = inputs.survey.get((binding.survey, binding.question))
    if isinstance(waves, Failed):
        return _unavailable(waves)
    groups = [g for w in period.waves() if (g := (waves or {}).get(w)) is not None]
    figure = Figure()
    if period.kind is PeriodKind.month:
        figure.note(
            NoteCode.survey_quarterly,
            f"the survey is quarterly: wave {period.waves()[0]} is shown for this month",
        )
    answered = [g for g in groups if g.base_n > 0]
    if not answered:
        figure.note(NoteCode.suppressed, "no survey responses in the period")
        return figure
    if any(g.series_break for g in answered):
        figure.note(NoteCode.series_break, "the question's wording changed in the period")
    chosen = [a for g in answered for a in g.answers if a.answer in binding.answers]
    base_n = sum(g.base_n for g in answered)
    weighted_n = sum(g.base_weighted_n for g in answered)
    weighted = sum(a.weighted_count for a in chosen)
    squares = sum(g.base_weighted_n**2 / g.base_effective_n for g in answered if g.base_effective_n)
    effective_n = weighted_n**2 / squares if squares else 0.0
    figure.base_n, figure.effective_n = base_n, round(effective_n, 3)
    figure.numerator, figure.denominator = round(weighted, 4), round(weighted_n, 4)
    if base_n < SUPPRESS_BELOW or weighted_n <= 0 or effective_n <= 0:
        figure.note(NoteCode.suppressed, f"survey base of {base_n} is under {SUPPRESS_BELOW}")
        return figure
    if base_n < LOW_BASE_BELOW:
        figure.note(NoteCode.low_base, f"survey base of {base_n} is under {LOW_BASE_BELOW}")
    share = min(1.0, max(0.0, weighted / weighted_n))
    low, high = _interval(answered, binding, share, effective_n)
    figure.share = share
    figure.value = round(share * 100, 4)
    figure.ci_low, figure.ci_high = round(low * 100, 4), round(high * 100, 4)
    return figure


def _interval(
    groups: list[ResultGroup], binding: SurveyShare, share: float, effective_n: float
) -> tuple[float, float]:
    if len(groups) == 1 and len(binding.answers) == 1:
        answer = next((a for a in groups[0].answers if a.answer == binding.answers[0]), None)
        if answer is not None and answer.ci_low is not None and answer.ci_high is not None:
            return answer.ci_low, answer.ci_high  # the survey service's own interval
    return wilson_interval(share, effective_n)


def _measured(binding: Measured, unit: str, period: Period, inputs: Inputs) -> Figure:
    first, last = period.first_month, period.last_month
    rows = [
        r
        for r in inputs.measured.get(binding.code, [])
        if first <= r.first_month and r.last_month <= last
    ]
    figure = Figure()
    if not rows:
        figure.note(NoteCode.missing_measurement, f"no measurement recorded for {period.text}")
        return figure
    covered = {m for r in rows for m in range(r.first_month, r.last_month + 1)}
    if len(covered) < period.months:
        figure.note(
            NoteCode.stale_measurement,
            f"measurements cover {len(covered)} of the period's {period.months} months",
        )
    if binding.aggregate == "ratio":
        numerator = sum(r.numerator_sum or 0.0 for r in rows)
        denominator = sum(r.denominator_sum or 0.0 for r in rows)
        figure.numerator, figure.denominator = round(numerator, 4), round(denominator, 4)
        if denominator > 0:
            ratio = numerator / denominator
            figure.value = round(ratio * 100 if unit == "percent" else ratio, 4)
        return figure
    total = sum(r.value_sum for r in rows)
    count = sum(r.count for r in rows)
    if binding.aggregate == "mean":
        figure.value = round(total / count, 4) if count else None
        figure.numerator, figure.denominator = round(total, 4), float(count)
    else:
        figure.value = round(total, 4)
        figure.numerator = round(total, 4)
    return figure
