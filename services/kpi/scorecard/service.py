"""The scorecard: every KPI for an area and period, grouped pillar -> objective -> output.

Each KPI has its value for the period, the target in force on the period's last day with its
RAG status, the change from the previous period, and variation and assurance from its XmR
chart (24 months to the period for a month, 12 quarters otherwise; survey KPIs by quarter).
All source calls of one scorecard are made at once; a source that fails makes only the KPIs
that need it unavailable.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi.calculation.inputs import Inputs
from services.kpi.calculation.periods import Period, PeriodKind, latest_complete, period_arg
from services.kpi.calculation.scope import Scope, resolve_scope
from services.kpi.calculation.service import (
    Calc,
    Figures,
    change_between,
    chart_periods,
    compute_as_answered,
    span_of,
    unprepared,
)
from services.kpi.catalogue import repository as catalogue
from services.kpi.series.service import DEFAULT_POINTS, chart_of
from services.kpi.sources.clients import SourceClients
from shared.contracts.kpi import (
    DataQualityNote,
    KpiResult,
    KpiStatus,
    NoteCode,
    ObjectiveGroup,
    OutputGroup,
    PillarGroup,
    RagCounts,
    Scorecard,
    Variation,
)


def chart_grain(period: Period) -> PeriodKind:
    return PeriodKind.month if period.kind is PeriodKind.month else PeriodKind.quarter


def kpi_result(calc: Calc, period: Period, inputs: Inputs, scope: Scope) -> KpiResult:
    kpi = calc.kpi
    figures = Figures(calc, inputs, scope)
    grain = calc.chart_grain(chart_grain(period))
    chart = chart_of(figures, chart_periods(period, grain, DEFAULT_POINTS[grain]))
    figure = figures.figure(period)
    previous = period.previous()
    before = figures.figure(previous)
    target = figures.target(period.end)
    notes = figure.data_quality()
    if target is None and kpi.direction != "neutral":
        notes.append(
            DataQualityNote(
                code=NoteCode.no_target, message="no target in force on the period's last day"
            )
        )
    if chart.warnings and chart.latest and chart.latest.points < 12:
        notes.append(DataQualityNote(code=NoteCode.few_points, message=chart.warnings[-1]))
    unavailable = figure.unavailable is not None
    return KpiResult(
        code=kpi.code,
        name=kpi.name,
        measure=kpi.measure,
        qualitative=kpi.qualitative,
        unit=kpi.unit,
        direction=kpi.direction,
        source=kpi.source,
        counting_rule=kpi.counting_rule,
        status=KpiStatus.unavailable if unavailable else KpiStatus.available,
        reason=figure.unavailable,
        period=period.text,
        area=scope.area,
        value=figure.value,
        numerator=figure.numerator,
        denominator=figure.denominator,
        ci_low=figure.ci_low,
        ci_high=figure.ci_high,
        base_n=figure.base_n,
        effective_n=figure.effective_n,
        target=calc.target_in_force(target, period),
        rag=None if unavailable else calc.rag(figure, target, period),
        variation=Variation.not_enough_data if unavailable else chart.variation,
        assurance=chart.assurance,
        special_causes=[] if unavailable else chart.latest_rules,
        change=None if unavailable else change_between(calc, figure, before, previous),
        breakdown=figure.breakdown,
        breakdown_by=getattr(calc.binding, "breakdown", None) if figure.breakdown else None,
        notes=notes,
    )


def grouped(results: list[KpiResult], calcs: list[Calc]) -> list[PillarGroup]:
    """Pillar -> objective -> output in the order the KPIs come (the report's table order)."""
    pillars: dict[str, dict[str, dict[str, list[KpiResult]]]] = {}
    for calc, result in zip(calcs, results, strict=True):
        kpi = calc.kpi
        objectives = pillars.setdefault(kpi.pillar, {})
        outputs = objectives.setdefault(kpi.objective, {})
        outputs.setdefault(kpi.output, []).append(result)
    return [
        PillarGroup(
            pillar=pillar,
            objectives=[
                ObjectiveGroup(
                    objective=objective,
                    outputs=[OutputGroup(output=o, kpis=k) for o, k in outputs.items()],
                )
                for objective, outputs in objectives.items()
            ],
        )
        for pillar, objectives in pillars.items()
    ]


def counts_of(results: list[KpiResult]) -> RagCounts:
    counts = RagCounts()
    for result in results:
        if result.status is KpiStatus.unavailable:
            counts.unavailable += 1
        elif result.rag is None:
            counts.none += 1
        else:
            setattr(counts, result.rag.value, getattr(counts, result.rag.value) + 1)
    return counts


async def build_scorecard(
    session: AsyncSession,
    sources: SourceClients,
    *,
    period: str | None = None,
    area: str | None = None,
    where: str = "query",
) -> Scorecard:
    """Every KPI for `area` (None: force-wide) in `period` (default: the latest complete
    quarter). A bad period or an unknown area is a 422 naming `<where>.period` / `.area`."""
    asked = period_arg(period, f"{where}.period") if period else latest_complete(PeriodKind.quarter)
    scope = await resolve_scope(sources, area, f"{where}.area")
    kpis = unprepared(await catalogue.in_table_order(session))
    needed = [asked, asked.previous()]
    for grain in {calc.chart_grain(chart_grain(asked)) for calc in kpis}:
        needed += chart_periods(asked, grain, DEFAULT_POINTS[grain])
    pairs = await compute_as_answered(
        session,
        sources,
        scope,
        kpis,
        span_of(needed),
        lambda calc, inputs: kpi_result(calc, asked, inputs, scope),
        breakdown_period=asked,
    )
    calcs = [calc for calc, _ in pairs]
    results = [result for _, result in pairs]
    return Scorecard(
        period=asked.text,
        period_start=asked.start,
        period_end=asked.end,
        area=scope.area,
        area_name=scope.name,
        generated_at=datetime.now(UTC),
        counts=counts_of(results),
        pillars=grouped(results, calcs),
    )
