"""Everything one calculation needs from the sources, fetched at once (asyncio.gather).

Each source call either answers or is a `SourceUnavailable`; the KPIs that need a failed call
are unavailable, the rest are computed. Local measurements are read meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi.calculation.bindings import (
    ActiveGroups,
    ActivityCount,
    Binding,
    Measured,
    RegisterShare,
    SurveyShare,
    VolunteerHours,
)
from services.kpi.calculation.periods import Period, PeriodKind, parse_period
from services.kpi.calculation.scope import Scope
from services.kpi.measurements import repository as measurements
from services.kpi.measurements.repository import PeriodTotals
from services.kpi.sources.clients import SourceClients, SourceUnavailable
from services.kpi.targets import repository as targets
from services.kpi.targets.models import KpiTarget
from shared.contracts.activity import AggregateDimension, AggregatePeriod, AggregateQuery
from shared.contracts.registers import RegisterCounts
from shared.contracts.survey import ResultGroup

T = TypeVar("T")
Failed = SourceUnavailable


@dataclass
class Inputs:
    """What the sources answered, keyed for the calculation (or why they could not)."""

    activity_counts: dict[tuple[int, str], int] | Failed | None = None
    volunteer_hours: dict[int, float] | Failed | None = None
    registers: dict[int, dict[date, RegisterCounts]] | Failed | None = None
    # (types, dimension) -> the period's count by that dimension (e.g. school engagements by
    # topic); only for the period asked for (the scorecard's), not for the chart.
    breakdowns: dict[tuple[tuple[str, ...], str], dict[str, int] | Failed] = field(
        default_factory=dict
    )
    breakdown_period: Period | None = None
    survey: dict[tuple[str, str], dict[str, ResultGroup] | Failed] = field(default_factory=dict)
    measured: dict[str, list[PeriodTotals]] = field(default_factory=dict)
    # Read from the KPI database while the sources answer (when asked for).
    targets: list[KpiTarget] = field(default_factory=list)


@dataclass(frozen=True)
class Span:
    """What to fetch: whole months from `first` to `last`, and the days registers count on."""

    first: Period
    last: Period
    days: tuple[date, ...]

    @property
    def first_month(self) -> int:
        return self.first.first_month

    @property
    def last_month(self) -> int:
        return self.last.last_month

    def waves(self) -> tuple[str, str]:
        first = Period(self.first_month - self.first_month % 3, PeriodKind.quarter)
        last = Period(self.last_month - self.last_month % 3, PeriodKind.quarter)
        return first.text, last.text


async def attempt(call: Awaitable[T]) -> T | Failed:
    try:
        return await call
    except SourceUnavailable as exc:
        return exc


@lru_cache(maxsize=4096)  # a few hundred distinct months at most; thousands of rows
def _month_of(period_text: str | None) -> int | None:
    return parse_period(period_text).first_month if period_text else None


async def _activity_counts(
    sources: SourceClients, scope: Scope, span: Span
) -> dict[tuple[int, str], int]:
    query = AggregateQuery.model_validate(
        {
            "group_by": [AggregateDimension.period, AggregateDimension.activity_type],
            "period": AggregatePeriod.month,
            "from": span.first.start,
            "to": span.last.end,
            **scope.activity_filter(),
        }
    )
    answer = await sources.activity.aggregate(query)
    out: dict[tuple[int, str], int] = {}
    for row in answer.rows:
        month = _month_of(row.period)
        if month is not None and row.activity_type is not None:
            out[(month, row.activity_type)] = (
                out.get((month, row.activity_type), 0) + row.activities
            )
    return out


async def _volunteer_hours(sources: SourceClients, scope: Scope, span: Span) -> dict[int, float]:
    query = AggregateQuery.model_validate(
        {
            "group_by": [AggregateDimension.period],
            "period": AggregatePeriod.month,
            "from": span.first.start,
            "to": span.last.end,
            **scope.activity_filter(),
        }
    )
    answer = await sources.activity.aggregate(query)
    out: dict[int, float] = {}
    for row in answer.rows:
        month = _month_of(row.period)
        if month is not None and row.volunteer_hours is not None:
            out[month] = row.volunteer_hours
    return out


async def _breakdown(
    sources: SourceClients, scope: Scope, period: Period, types: tuple[str, ...], dimension: str
) -> dict[str, int]:
    out: dict[str, int] = {}
    for activity_type in types:
        query = AggregateQuery.model_validate(
            {
                "group_by": [AggregateDimension(dimension)],
                "period": AggregatePeriod.month,
                "from": period.start,
                "to": period.end,
                "activity_type": activity_type,
                **scope.activity_filter(),
            }
        )
        answer = await sources.activity.aggregate(query)
        for row in answer.rows:
            key = str(getattr(row, dimension) or "none")
            out[key] = out.get(key, 0) + row.activities
    return dict(sorted(out.items()))


async def _registers(
    sources: SourceClients, scope: Scope, span: Span, months: Sequence[int]
) -> dict[int, dict[date, RegisterCounts]]:
    area = scope.register_area()
    if area is None:
        raise SourceUnavailable("activity", "no force area is registered to count the registers of")
    out: dict[int, dict[date, RegisterCounts]] = {}
    for recent in months:
        summary = await sources.activity.register_summary(area, span.days, recent)
        out[recent] = {d.on: d for d in summary.days}
    return out


async def _survey(
    sources: SourceClients, scope: Scope, span: Span, survey: str, questions: Sequence[str]
) -> dict[str, dict[str, ResultGroup]]:
    """Every question of `survey` the KPIs need, by wave over the span, in one call."""
    first, last = span.waves()
    answer = await sources.survey.results_by_wave_many(
        survey, questions, first, last, scope.survey_area()
    )
    by_question = {r.question: {g.group: g for g in r.groups} for r in answer.results}
    if set(by_question) != set(questions):
        raise SourceUnavailable("survey", "the survey service did not answer every question")
    return by_question


async def fetch(
    session: AsyncSession,
    sources: SourceClients,
    scope: Scope,
    bindings: Sequence[Binding],
    span: Span,
    breakdown_period: Period | None = None,
    targets_of: Sequence[str] = (),
) -> Inputs:
    """Every input of `bindings` over `span`, the source calls made concurrently (and the
    breakdowns of `breakdown_period`, when given); meanwhile the measurements and the targets
    of the KPIs `targets_of` are read from the KPI database."""
    inputs = Inputs(breakdown_period=breakdown_period)
    calls: dict[str, Awaitable[object]] = {}
    wanted = {
        (b.types, b.breakdown) for b in bindings if isinstance(b, ActivityCount) and b.breakdown
    }
    if breakdown_period is not None:
        for types, dimension in sorted(wanted):
            calls[f"breakdown:{dimension}:{','.join(types)}"] = attempt(
                _breakdown(sources, scope, breakdown_period, types, dimension)
            )
    if any(isinstance(b, ActivityCount) for b in bindings):
        calls["activity_counts"] = attempt(_activity_counts(sources, scope, span))
    if any(isinstance(b, VolunteerHours) for b in bindings):
        calls["volunteer_hours"] = attempt(_volunteer_hours(sources, scope, span))
    recents = sorted({b.months for b in bindings if isinstance(b, RegisterShare)})
    if recents or any(isinstance(b, ActiveGroups) for b in bindings):
        calls["registers"] = attempt(_registers(sources, scope, span, recents or [3]))
    questions: dict[str, set[str]] = {}
    for b in bindings:
        if isinstance(b, SurveyShare):
            questions.setdefault(b.survey, set()).add(b.question)
    for survey, asked in sorted(questions.items()):
        calls[f"survey:{survey}"] = attempt(_survey(sources, scope, span, survey, sorted(asked)))
    codes = sorted({b.code for b in bindings if isinstance(b, Measured)})

    async def local() -> list[PeriodTotals]:
        # One session: its queries one after the other, while the source calls are out.
        if targets_of:
            inputs.targets = await targets.targets_of(session, targets_of)
        if not codes:
            return []
        return await measurements.totals(
            session, codes, span.first_month, span.last_month, scope.area
        )

    names = list(calls)
    answers, measured = await asyncio.gather(asyncio.gather(*calls.values()), local())
    for name, answer in zip(names, answers, strict=True):
        if name.startswith("breakdown:"):
            _, dimension, joined = name.split(":", 2)
            # `calls` holds awaitables of several types; the name says which this one was.
            breakdown = cast("dict[str, int] | Failed", answer)
            inputs.breakdowns[(tuple(joined.split(",")), dimension)] = breakdown
        elif name.startswith("survey:"):
            survey = name.split(":", 1)[1]
            by_question = cast("dict[str, dict[str, ResultGroup]] | Failed", answer)
            for question in sorted(questions[survey]):
                inputs.survey[(survey, question)] = (
                    by_question if isinstance(by_question, Failed) else by_question[question]
                )
        else:
            setattr(inputs, name, answer)
    for totals in measured:
        inputs.measured.setdefault(totals.kpi_code, []).append(totals)
    return inputs
