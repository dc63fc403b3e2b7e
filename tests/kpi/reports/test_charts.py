"""Charts: accessible inline SVG, Making Data Count colours, drawn once per content."""

from __future__ import annotations

import re
from datetime import date

from services.kpi.dashboard.tables import Table, csv_response
from services.kpi.reports import charts
from shared.contracts.kpi import (
    Assurance,
    Grain,
    KpiSeries,
    KpiStatus,
    Nature,
    Segment,
    SeriesPoint,
    SpecialCauseRule,
    Variation,
)


def series(natures: list[Nature | None], target: float | None = 12.0) -> KpiSeries:
    points = [
        SeriesPoint(
            period=f"2022-{m:02d}",
            period_start=date(2022, m, 1),
            period_end=date(2022, m, 28),
            value=10.0 + m,
            target=target,
            nature=nature,
            special_causes=[SpecialCauseRule.outside_limits] if nature else [],
        )
        for m, nature in enumerate(natures, start=1)
    ]
    segment = Segment(
        first_period=points[0].period,
        last_period=points[-1].period,
        points=len(points),
        baseline_points=len(points),
        mean=14.0,
        mean_moving_range=1.0,
        upper_limit=16.66,
        lower_limit=11.34,
        upper_two_thirds=15.77,
        lower_two_thirds=12.23,
    )
    return KpiSeries(
        code="school_engagements",
        name="School engagements",
        unit="count",
        direction="higher_is_better",
        area=None,
        grain=Grain.month,
        first_period=points[0].period,
        last_period=points[-1].period,
        status=KpiStatus.available,
        points=points,
        segments=[segment],
        mean=14.0,
        upper_limit=16.66,
        lower_limit=11.34,
        special_causes=[],
        variation=Variation.special_cause_improvement,
        assurance=Assurance.inconsistent,
    )


def test_an_xmr_chart_is_accessible_inline_svg_in_making_data_count_colours() -> None:
    chart = charts.xmr_chart(series([None] * 6 + [Nature.improvement, Nature.concern]))
    assert chart is not None
    svg = chart.render_svg()
    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    assert "<!DOCTYPE" not in svg
    assert 'role="img"' in svg
    assert (
        'aria-labelledby="chart-xmr-school_engagements-title chart-xmr-school_engagements-desc"'
        in svg
    )
    assert '<title id="chart-xmr-school_engagements-title">School engagements (XmR)</title>' in svg
    assert "2 points with a special cause" in svg
    assert not re.search(r"(href|src)=\"(https?:)?//", svg)
    lowered = svg.lower()
    for colour in (charts.GREY, charts.BLUE, charts.ORANGE, charts.RED):
        assert colour.lower() in lowered, colour
    # The data as a table beside it: every point, its limits and its signal.
    assert chart.columns[0] == "Period"
    assert [row[-1] for row in chart.rows][-2:] == [
        "improvement (outside_limits)",
        "concern (outside_limits)",
    ]
    assert chart.rows[0][2:5] == [14.0, 11.34, 16.66]


def test_common_cause_points_are_grey_only() -> None:
    chart = charts.xmr_chart(series([None] * 8, target=None))
    assert chart is not None
    lowered = chart.render_svg().lower()
    assert charts.BLUE.lower() not in lowered
    assert charts.ORANGE.lower() not in lowered
    assert charts.RED.lower() not in lowered  # no target, no red line


def test_a_chart_is_drawn_once_per_content() -> None:
    first = charts.xmr_chart(series([None] * 8))
    same = charts.xmr_chart(series([None] * 8))
    other = charts.xmr_chart(series([None] * 7 + [Nature.concern]))
    assert first is not None
    assert same is not None
    assert other is not None
    assert first.fingerprint() == same.fingerprint()
    assert first.fingerprint() != other.fingerprint()
    assert first.render_svg() == same.render_svg()
    assert first.render_jpeg()[:3] == b"\xff\xd8\xff"


def test_csv_downloads_never_start_a_formula() -> None:
    table = Table("t", "T", ["Issue", "Count"], [["=HYPERLINK(1)", 3], ["@cmd", None], ["ok", -2]])
    body = csv_response(table, "t").body.decode("utf-8-sig")
    assert body.splitlines() == ["Issue,Count", "'=HYPERLINK(1),3", "'@cmd,", "ok,-2"]
