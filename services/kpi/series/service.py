"""A KPI's XmR chart for an area: figures per period, then the Making Data Count rules."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi.calculation.periods import (
    Period,
    PeriodKind,
    check_span,
    latest_complete,
    period_arg,
    period_of_month,
)
from services.kpi.calculation.scope import resolve_scope
from services.kpi.calculation.service import (
    Figures,
    calculate_inputs,
    span_of,
    unprepared,
)
from services.kpi.catalogue import service as catalogue
from services.kpi.sources.clients import SourceClients
from services.kpi.spc.chart import Chart, PlotPoint, build_chart
from shared.contracts.kpi import DataQualityNote, Grain, KpiSeries, KpiStatus, NoteCode

DEFAULT_POINTS = {PeriodKind.month: 24, PeriodKind.quarter: 12}
MAX_POINTS = 120


def chart_of(figures: Figures, periods: list[Period]) -> Chart[PlotPoint]:
    calc = figures.calc
    points = [figures.point(p) for p in periods]
    return build_chart(
        points, calc.kpi.direction, changes=calc.changes, baseline=calc.kpi.spc_baseline
    )


def series_periods(grain: PeriodKind, first: str | None, last: str | None) -> list[Period]:
    end = (
        period_of_month(period_arg(last, "query.to").last_month, grain)
        if last
        else latest_complete(grain)
    )
    start = (
        period_of_month(period_arg(first, "query.from").first_month, grain)
        if first
        else end.shifted(-(DEFAULT_POINTS[grain] - 1))
    )
    return check_span(start, end, "query.to", MAX_POINTS)


async def build_series(
    session: AsyncSession,
    sources: SourceClients,
    code: str,
    *,
    area: str | None = None,
    first: str | None = None,
    last: str | None = None,
    grain: Grain = Grain.month,
) -> KpiSeries:
    kpi = await catalogue.require(session, code)
    (unread,) = unprepared([kpi])
    asked = PeriodKind(grain.value)
    chart_grain = unread.chart_grain(asked)
    periods = series_periods(chart_grain, first, last)
    scope = await resolve_scope(sources, area)
    (calc,), inputs = await calculate_inputs(session, sources, scope, [unread], span_of(periods))
    figures = Figures(calc, inputs, scope)
    chart = chart_of(figures, periods)
    # Why the KPI cannot be computed (a source it needs failed), or None.
    reason = figures.figure(periods[-1]).unavailable
    notes: list[DataQualityNote] = []
    if chart_grain is not asked:
        notes.append(
            DataQualityNote(
                code=NoteCode.survey_quarterly,
                message="the survey is quarterly: the series is by quarter",
            )
        )
    if reason:
        notes.append(DataQualityNote(code=NoteCode.source_unavailable, message=reason))
    latest = chart.latest
    return KpiSeries(
        code=kpi.code,
        name=kpi.name,
        unit=kpi.unit,
        direction=kpi.direction,
        area=scope.area,
        grain=Grain(chart_grain.value),
        first_period=periods[0].text,
        last_period=periods[-1].text,
        status=KpiStatus.unavailable if reason else KpiStatus.available,
        reason=reason,
        points=[p.contract() for p in chart.points],
        segments=chart.segments,
        mean=latest.mean if latest else None,
        upper_limit=latest.upper_limit if latest else None,
        lower_limit=latest.lower_limit if latest else None,
        special_causes=chart.special_causes,
        variation=chart.variation,
        assurance=chart.assurance,
        warnings=chart.warnings,
        notes=notes,
    )
