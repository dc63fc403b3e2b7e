"""XmR charts as NHS "Making Data Count" draws them: pure functions, no I/O.

The rules are the ones DESIGN.md publishes (see `shared.contracts.kpi.SPC_RULES`). Written here
rather than taken from a library because no maintained Python SPC package implements this
exact rule set (the moving-range screen, the run broken by a point on the mean, two of three
beyond two thirds, assurance against a target).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from shared.contracts.kpi import Assurance, Nature, SpecialCauseRule, Variation

LIMIT_FACTOR = 2.66
SCREEN_FACTOR = 3.267
RUN_LENGTH = 7
TREND_LENGTH = 7
FEW_POINTS = 12


@dataclass(frozen=True)
class Limits:
    mean: float
    mean_moving_range: float
    baseline_points: int

    @property
    def upper(self) -> float:
        return self.mean + LIMIT_FACTOR * self.mean_moving_range

    @property
    def lower(self) -> float:
        return self.mean - LIMIT_FACTOR * self.mean_moving_range

    @property
    def upper_two_thirds(self) -> float:
        return self.mean + 2 / 3 * LIMIT_FACTOR * self.mean_moving_range

    @property
    def lower_two_thirds(self) -> float:
        return self.mean - 2 / 3 * LIMIT_FACTOR * self.mean_moving_range


@dataclass(frozen=True)
class Signal:
    """One special cause: a rule, the side it points to (+1 up, -1 down), the points in it."""

    rule: SpecialCauseRule
    side: int
    indices: tuple[int, ...]


@dataclass
class SegmentChart:
    """One segment of values (no gaps) with its limits and signals."""

    values: list[float]
    limits: Limits | None
    moving_ranges: list[float | None]
    screened: list[bool]
    signals: list[Signal] = field(default_factory=list)


def moving_ranges(values: Sequence[float]) -> list[float | None]:
    """|x(i) - x(i-1)|; the first point has none."""
    return [None] + [abs(b - a) for a, b in pairwise(values)]


def screened_mean_moving_range(ranges: Sequence[float]) -> tuple[float, list[bool]]:
    """Mean moving range after leaving out ranges >= 3.267 x the mean of all of them."""
    if not ranges:
        return 0.0, []
    first_mean = sum(ranges) / len(ranges)
    screened = [first_mean > 0 and r >= SCREEN_FACTOR * first_mean for r in ranges]
    kept = [r for r, out in zip(ranges, screened, strict=True) if not out]
    return (sum(kept) / len(kept) if kept else first_mean), screened


def limits_of(values: Sequence[float], baseline: int | None = None) -> Limits | None:
    """Mean and limits from the first `baseline` values (all of them when None); needs 2."""
    base = list(values[:baseline] if baseline else values)
    if len(base) < 2:
        return None
    ranges = [r for r in moving_ranges(base) if r is not None]
    mean_mr, _ = screened_mean_moving_range(ranges)
    return Limits(mean=sum(base) / len(base), mean_moving_range=mean_mr, baseline_points=len(base))


def _on_mean(value: float, mean: float) -> bool:
    return math.isclose(value, mean, rel_tol=1e-9, abs_tol=1e-12)


def _side(value: float, mean: float) -> int:
    if _on_mean(value, mean):
        return 0
    return 1 if value > mean else -1


def _runs(keys: Sequence[int], length: int) -> list[tuple[int, int, int]]:
    """(start, end exclusive, key) of runs of one non-zero key at least `length` long."""
    out: list[tuple[int, int, int]] = []
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            if keys[start] != 0 and i - start >= length:
                out.append((start, i, keys[start]))
            start = i
    return out


def outside_limits(values: Sequence[float], limits: Limits) -> list[Signal]:
    return [
        Signal(SpecialCauseRule.outside_limits, 1 if v > limits.upper else -1, (i,))
        for i, v in enumerate(values)
        if v > limits.upper or v < limits.lower
    ]


def shifts(values: Sequence[float], limits: Limits) -> list[Signal]:
    """7 or more points in a row on one side of the mean; a point on the mean breaks the run."""
    sides = [_side(v, limits.mean) for v in values]
    return [
        Signal(SpecialCauseRule.shift, side, tuple(range(start, end)))
        for start, end, side in _runs(sides, RUN_LENGTH)
    ]


def trends(values: Sequence[float]) -> list[Signal]:
    """7 or more points in a row each higher (or each lower) than the one before."""
    steps = [0] + [0 if _on_mean(b, a) else (1 if b > a else -1) for a, b in pairwise(values)]
    out: list[Signal] = []
    # A run of n equal steps spans n + 1 points: it starts at the point before its first step.
    for start, end, direction in _runs(steps, TREND_LENGTH - 1):
        out.append(Signal(SpecialCauseRule.trend, direction, tuple(range(start - 1, end))))
    return out


def two_of_three(values: Sequence[float], limits: Limits) -> list[Signal]:
    """2 of 3 points in a row beyond two thirds of the way to a limit, on the same side."""
    beyond = [
        1 if v > limits.upper_two_thirds else (-1 if v < limits.lower_two_thirds else 0)
        for v in values
    ]
    flagged: dict[int, set[int]] = {1: set(), -1: set()}
    for start in range(len(values) - 2):
        window = range(start, start + 3)
        for side in (1, -1):
            hits = [i for i in window if beyond[i] == side]
            if len(hits) >= 2:
                flagged[side].update(hits)
    return [
        Signal(SpecialCauseRule.two_of_three, side, tuple(group))
        for side in (1, -1)
        for group in _consecutive_groups(sorted(flagged[side]))
    ]


def _consecutive_groups(indices: list[int]) -> list[list[int]]:
    """Flagged points grouped into signals: a gap of more than one point starts a new one."""
    groups: list[list[int]] = []
    for i in indices:
        if groups and i - groups[-1][-1] <= 2:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def chart_segment(values: Sequence[float], baseline: int | None = None) -> SegmentChart:
    """Limits and every special cause of one segment."""
    ranges = moving_ranges(values)
    limits = limits_of(values, baseline)
    screened = [False] * len(values)
    if limits is not None:
        base_ranges = [r for r in ranges[1 : limits.baseline_points] if r is not None]
        _, flags = screened_mean_moving_range(base_ranges)
        for offset, flag in enumerate(flags, start=1):
            screened[offset] = flag
    chart = SegmentChart(list(values), limits, ranges, screened)
    if limits is not None:
        chart.signals = [
            *outside_limits(values, limits),
            *shifts(values, limits),
            *trends(values),
            *two_of_three(values, limits),
        ]
    return chart


def nature_of(side: int, direction: str) -> Nature:
    if direction == "higher_is_better":
        return Nature.improvement if side > 0 else Nature.concern
    if direction == "lower_is_better":
        return Nature.improvement if side < 0 else Nature.concern
    return Nature.neither


def variation_of(natures: Sequence[Nature], points: int) -> Variation:
    """What the latest point shows: the natures of the special causes it belongs to."""
    if points < 2:
        return Variation.not_enough_data
    if Nature.concern in natures:
        return Variation.special_cause_concern
    if Nature.improvement in natures:
        return Variation.special_cause_improvement
    if Nature.neither in natures:
        return Variation.special_cause_neither
    return Variation.common_cause


def assurance_of(limits: Limits | None, target: float | None, direction: str) -> Assurance:
    """Whether the process reliably meets the target: the target against the limits."""
    if limits is None:
        return Assurance.not_enough_data
    if target is None or direction not in ("higher_is_better", "lower_is_better"):
        return Assurance.no_target
    if direction == "higher_is_better":
        if limits.lower >= target:
            return Assurance.consistent_pass
        if limits.upper < target:
            return Assurance.consistent_fail
        return Assurance.inconsistent
    if limits.upper <= target:
        return Assurance.consistent_pass
    if limits.lower > target:
        return Assurance.consistent_fail
    return Assurance.inconsistent
