"""KPI figures for an area over periods: the shared core of the scorecard and the series."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi.calculation.bindings import (
    ActivityCount,
    Binding,
    Measured,
    SurveyShare,
    VolunteerHours,
    binding_of,
)
from services.kpi.calculation.figures import Figure, figure_for
from services.kpi.calculation.inputs import Inputs, Span, fetch
from services.kpi.calculation.periods import Period, PeriodKind, periods_between
from services.kpi.calculation.rag import rag_status
from services.kpi.calculation.scope import Scope
from services.kpi.catalogue.models import KpiDefinition
from services.kpi.catalogue.service import changes_of
from services.kpi.sources.clients import SourceClients
from services.kpi.spc.chart import PlotPoint
from services.kpi.targets import repository as target_repository
from services.kpi.targets.models import KpiTarget
from services.kpi.targets.service import in_force, target_on
from shared.bounds import FIRST_YEAR
from shared.contracts.kpi import Change, Rag, TargetInForce
from shared.statistics import two_proportion_z


@dataclass(frozen=True)
class Calc:
    """A KPI ready to be computed: its definition, binding and targets."""

    kpi: KpiDefinition
    binding: Binding
    targets: tuple[KpiTarget, ...]

    @property
    def survey(self) -> bool:
        return isinstance(self.binding, SurveyShare)

    @property
    def changes(self) -> list[date]:
        return changes_of(self.kpi)

    @property
    def per_month(self) -> bool:
        """Adds up over time (counts, hours, summed measurements): targets are per month."""
        binding = self.binding
        if isinstance(binding, Measured):
            return binding.aggregate == "sum"
        return isinstance(binding, ActivityCount | VolunteerHours)

    def scale(self, period: Period) -> int:
        return period.months if self.per_month else 1

    def chart_grain(self, grain: PeriodKind) -> PeriodKind:
        """The survey is quarterly, so its charts are too."""
        return PeriodKind.quarter if self.survey else grain

    def figure(self, period: Period, inputs: Inputs) -> Figure:
        return figure_for(self.binding, self.kpi.unit, period, inputs)

    def rag(self, figure: Figure, target: KpiTarget | None, period: Period) -> Rag | None:
        scale = self.scale(period)
        return rag_status(
            figure.value,
            target.value * scale if target else None,
            target.tolerance * scale if target else 0.0,
            self.kpi.direction,
            ci_low=figure.ci_low,
            ci_high=figure.ci_high,
            survey=self.survey,
        )

    def point(self, period: Period, figure: Figure, target: KpiTarget | None) -> PlotPoint:
        """`period`'s chart point from its figure and the target in force on its last day."""
        return PlotPoint(
            period=period.text,
            period_start=period.start,
            period_end=period.end,
            value=figure.value,
            numerator=figure.numerator,
            denominator=figure.denominator,
            ci_low=figure.ci_low,
            ci_high=figure.ci_high,
            target=target.value * self.scale(period) if target else None,
        )

    def target_in_force(self, target: KpiTarget | None, period: Period) -> TargetInForce | None:
        if target is None:
            return None
        scale = self.scale(period)
        applied = in_force(target)
        applied.value = target.value * scale
        applied.tolerance = target.tolerance * scale
        applied.per_month = self.per_month
        applied.set_value = target.value
        return applied


class Figures:
    """One KPI's figures and targets for one answer, each period worked out once (a
    scorecard reads its period and the one before again as points of the chart)."""

    def __init__(self, calc: Calc, inputs: Inputs, scope: Scope) -> None:
        self.calc = calc
        self._inputs = inputs
        self._lineage = scope.lineage()
        self._figures: dict[Period, Figure] = {}
        self._targets: dict[date, KpiTarget | None] = {}

    def figure(self, period: Period) -> Figure:
        found = self._figures.get(period)
        if found is None:
            found = self._figures[period] = self.calc.figure(period, self._inputs)
        return found

    def target(self, day: date) -> KpiTarget | None:
        if day not in self._targets:
            self._targets[day] = target_on(self.calc.targets, self._lineage, day)
        return self._targets[day]

    def point(self, period: Period) -> PlotPoint:
        return self.calc.point(period, self.figure(period), self.target(period.end))


async def prepare(session: AsyncSession, kpis: Sequence[KpiDefinition]) -> list[Calc]:
    targets = await target_repository.targets_of(session, [k.code for k in kpis])
    return with_targets(unprepared(kpis), targets)


def unprepared(kpis: Sequence[KpiDefinition]) -> list[Calc]:
    """The KPIs with their bindings, targets not read yet (see `calculate_inputs`)."""
    return [Calc(k, binding_of(k), ()) for k in kpis]


def with_targets(calcs: Sequence[Calc], targets: Sequence[KpiTarget]) -> list[Calc]:
    by_code: dict[str, list[KpiTarget]] = {}
    for target in targets:
        by_code.setdefault(target.kpi_code, []).append(target)
    return [replace(c, targets=tuple(by_code.get(c.kpi.code, []))) for c in calcs]


def span_of(periods: Sequence[Period], extra_days: Sequence[date] = ()) -> Span:
    """Whole months from the earliest to the latest period; registers counted on every end."""
    first = min(periods, key=lambda p: p.first_month)
    last = max(periods, key=lambda p: p.last_month)
    # No source holds anything before 1900 (`shared.bounds`) and they refuse to be asked: a
    # period's history reaching back past it starts there.
    first_month = Period(max(first.first_month, FIRST_YEAR * 12), PeriodKind.month)
    last_month = Period(last.last_month, PeriodKind.month)
    days = {p.end for p in periods} | set(extra_days)
    return Span(first=first_month, last=last_month, days=tuple(sorted(days)))


def chart_periods(last: Period, grain: PeriodKind, points: int) -> list[Period]:
    """`points` periods of `grain` ending with the one that holds `last`'s final month."""
    end = last.as_kind(grain)
    return periods_between(end.shifted(-(points - 1)), end)


async def gather_inputs(
    session: AsyncSession,
    sources: SourceClients,
    scope: Scope,
    calcs: Sequence[Calc],
    span: Span,
    breakdown_period: Period | None = None,
) -> Inputs:
    return await fetch(session, sources, scope, [c.binding for c in calcs], span, breakdown_period)


async def calculate_inputs(
    session: AsyncSession,
    sources: SourceClients,
    scope: Scope,
    calcs: Sequence[Calc],
    span: Span,
    breakdown_period: Period | None = None,
) -> tuple[list[Calc], Inputs]:
    """`gather_inputs` for `unprepared` KPIs, their targets read while the sources answer:
    the KPIs with their targets, and the inputs."""
    inputs = await fetch(
        session,
        sources,
        scope,
        [c.binding for c in calcs],
        span,
        breakdown_period,
        targets_of=[c.kpi.code for c in calcs],
    )
    return with_targets(calcs, inputs.targets), inputs


R = TypeVar("R")
# The slowest source first: its request goes out before the others are even built.
_SOURCE_ORDER = ("survey", "activity")


async def compute_as_answered(
    session: AsyncSession,
    sources: SourceClients,
    scope: Scope,
    calcs: Sequence[Calc],
    span: Span,
    compute: Callable[[Calc, Inputs], R],
    breakdown_period: Period | None = None,
) -> list[tuple[Calc, R]]:
    """`compute` of every `unprepared` KPI (in their order, with their targets), each
    source's KPIs computed as soon as that source has answered: the activity KPIs are worked
    out while the survey, the slowest source, is still out. The KPI database (every KPI's
    targets, then the measurements) is read by one fetch only, as a session runs one query
    at a time; the others touch no session."""
    by_source: dict[str, list[Calc]] = {}
    for calc in calcs:
        by_source.setdefault(calc.binding.source, []).append(calc)
    local = by_source.pop("measurement", [])
    remote = sorted(by_source.items(), key=lambda item: _SOURCE_ORDER.index(item[0]))
    fetches = [
        asyncio.ensure_future(gather_inputs(session, sources, scope, group, span, breakdown_period))
        for _, group in remote
    ]
    stored = asyncio.ensure_future(
        fetch(
            session,
            sources,
            scope,
            [c.binding for c in local],
            span,
            breakdown_period,
            targets_of=[c.kpi.code for c in calcs],
        )
    )

    async def computed(group: Sequence[Calc], answered: Awaitable[Inputs]) -> list[tuple[Calc, R]]:
        inputs = await answered
        targets = (await stored).targets
        return [(calc, compute(calc, inputs)) for calc in with_targets(group, targets)]

    try:
        groups = await asyncio.gather(
            computed(local, stored),
            *(computed(group, f) for (_, group), f in zip(remote, fetches, strict=True)),
        )
    finally:
        for future in (stored, *fetches):
            future.cancel()  # a failure elsewhere leaves none running (no-op once done)
    done = {pair[0].kpi.code: pair for group in groups for pair in group}
    return [done[calc.kpi.code] for calc in calcs]


def change_between(calc: Calc, now: Figure, before: Figure, previous: Period) -> Change:
    difference = (
        round(now.value - before.value, 4)
        if now.value is not None and before.value is not None
        else None
    )
    change = Change(
        previous_period=previous.text, previous_value=before.value, difference=difference
    )
    if (
        calc.survey
        and now.share is not None
        and before.share is not None
        and now.effective_n
        and before.effective_n
    ):
        test = two_proportion_z(now.share, now.effective_n, before.share, before.effective_n)
        change.p = round(test.p, 6)
        change.significant = test.significant
    return change
