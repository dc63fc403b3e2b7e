"""XmR rules (Making Data Count, as DESIGN.md states them) against an independent calculation.

The reference below is written differently on purpose: numpy for the limits, sliding windows
for the rules (the service finds runs). Each rule is checked triggered and not triggered.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from services.kpi.spc.chart import build_chart
from services.kpi.spc.xmr import Limits, chart_segment, limits_of
from shared.contracts.kpi import (
    Assurance,
    Nature,
    SeriesPoint,
    SpecialCauseRule,
    Variation,
)


def reference_limits(values: list[float], baseline: int | None = None) -> tuple[float, float]:
    """(mean, mean moving range after the 3.267 screen)."""
    base = np.asarray(values[:baseline] if baseline else values, dtype=float)
    ranges = np.abs(np.diff(base))
    first = ranges.mean()
    kept = ranges[ranges < 3.267 * first]
    return float(base.mean()), float(kept.mean() if kept.size else first)


def reference_rules(values: list[float], baseline: int | None = None) -> dict[str, set[int]]:
    x = np.asarray(values, dtype=float)
    mean, mr = reference_limits(values, baseline)
    upper, lower = mean + 2.66 * mr, mean - 2.66 * mr
    two_up, two_down = mean + 2 / 3 * 2.66 * mr, mean - 2 / 3 * 2.66 * mr
    out: dict[str, set[int]] = {rule.value: set() for rule in SpecialCauseRule}
    out["outside_limits"] = {i for i, v in enumerate(x) if v > upper or v < lower}
    for i in range(len(x) - 6):
        window = x[i : i + 7]
        if (window > mean).all() or (window < mean).all():
            out["shift"] |= set(range(i, i + 7))
        steps = np.diff(window)
        if (steps > 0).all() or (steps < 0).all():
            out["trend"] |= set(range(i, i + 7))
    for i in range(len(x) - 2):
        window = range(i, i + 3)
        for beyond in (
            [j for j in window if x[j] > two_up],
            [j for j in window if x[j] < two_down],
        ):
            if len(beyond) >= 2:
                out["two_of_three"] |= set(beyond)
    return out


def flagged(values: list[float], baseline: int | None = None) -> dict[str, set[int]]:
    chart = chart_segment(values, baseline)
    out: dict[str, set[int]] = {rule.value: set() for rule in SpecialCauseRule}
    for signal in chart.signals:
        out[signal.rule.value] |= set(signal.indices)
    return out


NOISE = [10.0, 12.0, 9.0, 11.0, 10.5, 9.5, 11.5, 10.0, 9.0, 12.0, 10.0, 11.0, 9.5, 10.5]

CASES = {
    "common cause only": NOISE,
    "one point above the limits": [*NOISE[:7], 25.0, *NOISE[7:]],
    "one point below the limits": [*NOISE[:7], -3.0, *NOISE[7:]],
    "seven above then seven below": [11, 12, 11, 10.5, 11, 12, 11, 9, 8, 9, 8, 9, 9, 9.5],
    "a point on the mean breaks the run": [11, 12, 11, 10, 11, 12, 11, 9, 8, 9, 8, 9, 9, 10],
    "six on one side is no shift": [11, 12, 11, 11, 12, 11, 9, 8, 9, 8, 9, 10.5, 11],
    "seven rising": [10, 9, 10, 11, 12, 12.5, 13, 13.5, 14, 10, 11, 10, 9, 10],
    "six rising is no trend": [10, 10, 10.5, 11, 12, 12.5, 13, 9, 11, 10, 9, 10, 10, 10],
    "an equal value breaks a trend": [10, 9, 10, 11, 12, 12, 13, 13.5, 14, 10, 11, 10, 9, 10],
    "seven falling": [12, 13, 12, 11, 10, 9.5, 9, 8.5, 8, 12, 11, 12, 13, 12],
    "two of three beyond two thirds": [*NOISE, 15.6, 10.2, 15.7, *NOISE[:4]],
    "one of three beyond two thirds": [*NOISE, 15.6, 10.2, 10.4, 15.7, *NOISE[:4]],
    "two of three below": [*NOISE, 5.0, 10.2, 4.9, *NOISE[:4]],
    "a big jump is screened": [10, 11, 10, 11, 10, 11, 30, 31, 30, 31, 30, 11, 10, 11],
}


@pytest.mark.parametrize("name", list(CASES))
def test_limits_and_rules_match_the_independent_calculation(name: str) -> None:
    values = [float(v) for v in CASES[name]]
    limits = limits_of(values)
    assert limits is not None
    mean, mean_mr = reference_limits(values)
    assert limits.mean == pytest.approx(mean, abs=1e-12)
    assert limits.mean_moving_range == pytest.approx(mean_mr, abs=1e-12)
    assert limits.upper == pytest.approx(mean + 2.66 * mean_mr)
    assert flagged(values) == reference_rules(values)


def test_each_rule_is_triggered_and_not_where_expected() -> None:
    rules = {name: flagged([float(v) for v in values]) for name, values in CASES.items()}
    assert not any(rules["common cause only"].values())
    assert rules["one point above the limits"]["outside_limits"] == {7}
    assert rules["one point below the limits"]["outside_limits"] == {7}
    assert rules["seven above then seven below"]["shift"] == set(range(14))
    assert rules["a point on the mean breaks the run"]["shift"] == set()
    assert rules["six on one side is no shift"]["shift"] == set()
    assert rules["seven rising"]["trend"] == set(range(1, 9))  # eight, in fact
    assert rules["six rising is no trend"]["trend"] == set()
    assert rules["an equal value breaks a trend"]["trend"] == set()
    assert rules["seven falling"]["trend"] == set(range(1, 9))
    assert rules["two of three beyond two thirds"]["two_of_three"] == {14, 16}
    assert rules["one of three beyond two thirds"]["two_of_three"] == set()
    assert rules["two of three below"]["two_of_three"] == {14, 16}


def test_the_moving_range_screen_leaves_out_big_jumps() -> None:
    values = [float(v) for v in CASES["a big jump is screened"]]
    ranges = np.abs(np.diff(values))
    limits = limits_of(values)
    assert limits is not None
    unscreened = float(ranges.mean())
    assert limits.mean_moving_range < unscreened
    # The two jumps of about 19-20 are left out; the rest are 1 apart.
    assert limits.mean_moving_range == pytest.approx(1.0)
    chart = chart_segment(values)
    assert [i for i, out in enumerate(chart.screened) if out] == [6, 11]


def test_limits_fixed_after_a_baseline() -> None:
    values = [*NOISE, 14.0, 15.0, 16.0]
    fixed = limits_of(values, baseline=12)
    everything = limits_of(values)
    assert fixed is not None
    assert everything is not None
    assert fixed.baseline_points == 12
    assert fixed.mean == pytest.approx(reference_limits(values, 12)[0])
    assert fixed.mean != everything.mean
    assert flagged(values, baseline=12) == reference_rules(values, baseline=12)
    assert 16 in flagged(values, baseline=12)["outside_limits"]


def _points(values: list[float | None], first: tuple[int, int] = (2021, 1)) -> list[SeriesPoint]:
    out = []
    year, month = first
    for value in values:
        start = date(year, month, 1)
        month += 1
        if month == 13:
            year, month = year + 1, 1
        out.append(
            SeriesPoint(
                period=f"{start:%Y-%m}",
                period_start=start,
                period_end=date(year, month, 1),
                value=value,
                target=None,
            )
        )
    return out


def test_rebasing_at_a_process_change_starts_new_limits() -> None:
    before = [10.0, 11.0, 10.0, 11.0, 10.0, 11.0, 10.0, 11.0]
    after = [20.0, 21.0, 20.0, 21.0, 20.0, 21.0, 20.0, 21.0]
    one = build_chart(_points(before + after), "higher_is_better")
    assert len(one.segments) == 1
    assert any(c.rule is SpecialCauseRule.shift for c in one.special_causes)
    rebased = build_chart(_points(before + after), "higher_is_better", changes=[date(2021, 8, 15)])
    # A change inside August starts the new segment with the next whole period (September).
    assert [s.first_period for s in rebased.segments] == ["2021-01", "2021-09"]
    assert rebased.segments[0].mean == pytest.approx(10.5)
    assert rebased.segments[1].mean == pytest.approx(20.5)
    assert rebased.special_causes == []
    assert {p.segment for p in rebased.points} == {0, 1}
    assert rebased.points[8].moving_range is None  # no range across the change
    assert len(rebased.warnings) == 2  # both segments have fewer than 12 points


def test_gaps_are_left_out_of_the_chart() -> None:
    chart = build_chart(_points([10.0, None, 11.0, 10.0, None, 12.0]), "higher_is_better")
    assert chart.segments[0].points == 4
    assert chart.points[1].moving_range is None
    assert chart.points[2].moving_range == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("direction", "nature", "variation"),
    [
        ("higher_is_better", Nature.improvement, Variation.special_cause_improvement),
        ("lower_is_better", Nature.concern, Variation.special_cause_concern),
        ("neutral", Nature.neither, Variation.special_cause_neither),
    ],
)
def test_special_causes_are_improvement_or_concern_by_direction(
    direction: str, nature: Nature, variation: Variation
) -> None:
    values = [*NOISE, 30.0]
    chart = build_chart(_points(list(values)), direction)
    latest = chart.points[-1]
    assert latest.special_causes == [SpecialCauseRule.outside_limits]
    assert latest.nature is nature
    assert chart.variation is variation
    common = build_chart(_points(list(NOISE)), direction)
    assert common.variation is Variation.common_cause
    assert common.warnings == []  # 14 points: no warning


def _with_target(values: list[float], target: float) -> list[SeriesPoint]:
    points = _points(list(values))
    for point in points:
        point.target = target
    return points


def test_assurance_compares_the_target_with_the_limits() -> None:
    limits = limits_of(NOISE)
    assert limits is not None
    below, above = limits.lower - 0.5, limits.upper + 0.5
    cases = [
        ("higher_is_better", below, Assurance.consistent_pass),
        ("higher_is_better", above, Assurance.consistent_fail),
        ("higher_is_better", limits.mean, Assurance.inconsistent),
        ("lower_is_better", above, Assurance.consistent_pass),
        ("lower_is_better", below, Assurance.consistent_fail),
        ("lower_is_better", limits.mean, Assurance.inconsistent),
        ("neutral", limits.mean, Assurance.no_target),
    ]
    for direction, target, expected in cases:
        chart = build_chart(_with_target(NOISE, target), direction)
        assert chart.assurance is expected, (direction, target)
    assert build_chart(_points(list(NOISE)), "higher_is_better").assurance is Assurance.no_target


def test_too_few_points() -> None:
    assert limits_of([5.0]) is None
    chart = build_chart(_points([5.0]), "higher_is_better")
    assert chart.variation is Variation.not_enough_data
    assert chart.assurance is Assurance.not_enough_data
    assert chart.warnings
    flat = Limits(mean=5.0, mean_moving_range=0.0, baseline_points=12)
    assert flat.upper == flat.lower == 5.0
