"""A whole XmR chart for a KPI: segments at process changes, gaps left out, contract models.

Pure: values in, `shared.contracts.kpi` models out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, Protocol, TypeVar

from services.kpi.spc.xmr import FEW_POINTS, SegmentChart, chart_segment, nature_of, variation_of
from services.kpi.spc.xmr import assurance_of as _assurance_of
from shared.contracts.kpi import (
    Assurance,
    Nature,
    Segment,
    SeriesPoint,
    SpecialCause,
    SpecialCauseRule,
    Variation,
)


class ChartPoint(Protocol):
    """What a chart reads of a point (period, value, target) and fills in."""

    period: str
    period_start: date
    value: float | None
    target: float | None
    moving_range: float | None
    moving_range_screened: bool
    segment: int
    special_causes: list[SpecialCauseRule]
    nature: Nature | None


P = TypeVar("P", bound=ChartPoint)


@dataclass(slots=True)
class PlotPoint:
    """A chart point as plain data. A scorecard charts every KPI and keeps only the verdicts
    (a contract model per point cost it a third of its time); a series turns its points into
    `SeriesPoint`s at the end (`contract`)."""

    period: str
    period_start: date
    period_end: date
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    target: float | None = None
    moving_range: float | None = None
    moving_range_screened: bool = False
    segment: int = 0
    special_causes: list[SpecialCauseRule] = field(default_factory=list)
    nature: Nature | None = None

    def contract(self) -> SeriesPoint:
        return SeriesPoint.model_validate(self, from_attributes=True)  # the same fields


@dataclass
class Chart(Generic[P]):
    points: list[P]
    segments: list[Segment]
    special_causes: list[SpecialCause]
    variation: Variation
    assurance: Assurance
    latest_rules: list[SpecialCauseRule]
    warnings: list[str] = field(default_factory=list)

    @property
    def latest(self) -> Segment | None:
        return self.segments[-1] if self.segments else None


def _segment_starts(points: Sequence[ChartPoint], changes: Sequence[date]) -> list[int]:
    """Index of the first point of each segment: 0, then the first point on or after each
    change (a change inside a period starts the new segment at the next whole period)."""
    starts = {0}
    for change in changes:
        for i, point in enumerate(points):
            if point.period_start >= change:
                if i > 0:
                    starts.add(i)
                break
    return sorted(starts)


def build_chart(
    points: list[P],
    direction: str,
    *,
    changes: Sequence[date] = (),
    baseline: int | None = None,
) -> Chart[P]:
    """Fill each point's chart fields; the limits, signals, variation and assurance."""
    starts = _segment_starts(points, changes)
    bounds = list(zip(starts, [*starts[1:], len(points)], strict=True))
    segments: list[Segment] = []
    causes: list[SpecialCause] = []
    natures_at: dict[int, list[tuple[SpecialCauseRule, Nature]]] = {}
    warnings: list[str] = []
    chart: SegmentChart | None = None
    for number, (first, end) in enumerate(bounds):
        present = [i for i in range(first, end) if points[i].value is not None]
        values = [float(v) for i in present if (v := points[i].value) is not None]
        chart = chart_segment(values, baseline)
        for j, i in enumerate(present):
            points[i].moving_range = chart.moving_ranges[j]
            points[i].moving_range_screened = chart.screened[j]
        for i in range(first, end):
            points[i].segment = number
        for signal in chart.signals:
            nature = nature_of(signal.side, direction)
            periods = [points[present[j]].period for j in signal.indices]
            causes.append(SpecialCause(rule=signal.rule, nature=nature, periods=periods))
            for j in signal.indices:
                natures_at.setdefault(present[j], []).append((signal.rule, nature))
        limits = chart.limits
        segments.append(
            Segment(
                first_period=points[first].period,
                last_period=points[end - 1].period,
                starts_at_change=next(
                    (c for c in changes if number and points[first].period_start >= c), None
                ),
                points=len(values),
                baseline_points=limits.baseline_points if limits else len(values),
                mean=limits.mean if limits else None,
                mean_moving_range=limits.mean_moving_range if limits else None,
                upper_limit=limits.upper if limits else None,
                lower_limit=limits.lower if limits else None,
                upper_two_thirds=limits.upper_two_thirds if limits else None,
                lower_two_thirds=limits.lower_two_thirds if limits else None,
            )
        )
        used = limits.baseline_points if limits else len(values)
        if used < FEW_POINTS:
            warnings.append(
                f"Segment from {points[first].period}: limits from {used} point(s); with fewer "
                f"than {FEW_POINTS} they are provisional."
            )
    for i, found in natures_at.items():
        points[i].special_causes = sorted({rule for rule, _ in found})
        natures = {nature for _, nature in found}
        points[i].nature = (
            Nature.concern
            if Nature.concern in natures
            else Nature.improvement
            if Nature.improvement in natures
            else Nature.neither
        )
    latest_index = next(
        (i for i in reversed(range(len(points))) if points[i].value is not None), None
    )
    latest_found = natures_at.get(latest_index, []) if latest_index is not None else []
    last_segment_points = segments[-1].points if segments else 0
    variation = variation_of([n for _, n in latest_found], last_segment_points)
    target = points[latest_index].target if latest_index is not None else None
    assurance = _assurance_of(chart.limits if chart else None, target, direction)
    return Chart(
        points=points,
        segments=segments,
        special_causes=causes,
        variation=variation,
        assurance=assurance,
        latest_rules=sorted({rule for rule, _ in latest_found}),
        warnings=warnings,
    )
