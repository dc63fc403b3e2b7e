"""The report as one self-contained HTML file: inline CSS and SVG, no script, no external
asset (it can be mailed and archived), with a print stylesheet."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.kpi.reports import charts
from services.kpi.reports.charts import Chart
from services.kpi.reports.periods import wave_words
from services.kpi.reports.schemas import (
    ActivitySection,
    AssociationSection,
    Report,
    ScorecardSection,
    SurveySection,
)
from shared.contracts.kpi import Assurance, Variation

TEMPLATES = Path(__file__).parent / "templates"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["wave_words"] = wave_words

# Making Data Count icons, as short codes with their meaning (icon colour from the palette).
VARIATION_ICONS: dict[str, tuple[str, str, str]] = {
    Variation.common_cause: ("C", charts.GREY, "Common cause variation"),
    Variation.special_cause_improvement: ("I", charts.BLUE, "Special cause: improvement"),
    Variation.special_cause_concern: ("!", charts.ORANGE, "Special cause: concern"),
    Variation.special_cause_neither: ("S", charts.PURPLE, "Special cause (no direction)"),
    Variation.not_enough_data: ("-", "#FFFFFF", "Too few points"),
}
ASSURANCE_ICONS: dict[str, tuple[str, str, str]] = {
    Assurance.consistent_pass: ("P", charts.BLUE, "Will consistently meet the target"),
    Assurance.consistent_fail: ("F", charts.ORANGE, "Will consistently miss the target"),
    Assurance.inconsistent: ("?", charts.GREY, "May meet or miss the target"),
    Assurance.no_target: ("-", "#FFFFFF", "No target"),
    Assurance.not_enough_data: ("-", "#FFFFFF", "Too few points"),
}
RAG_COLOURS = {"green": "#00703C", "amber": "#B35900", "red": "#C00000"}


@dataclass
class ReportCharts:
    survey: dict[str, Chart] = field(default_factory=dict)
    activity: list[Chart] = field(default_factory=list)
    kpi: dict[str, Chart] = field(default_factory=dict)
    confidence: list[Chart] = field(default_factory=list)

    def every(self) -> list[Chart]:
        return [
            *self.survey.values(),
            *self.activity,
            *self.kpi.values(),
            *self.confidence,
        ]


def survey_charts(section: SurveySection) -> dict[str, Chart]:
    out: dict[str, Chart] = {}
    for question in section.questions:
        if question.results is not None:
            chart = charts.survey_chart(question.results)
            if chart is not None:
                out[question.question] = chart
    return out


def activity_charts(activity: ActivitySection) -> list[Chart]:
    out: list[Chart] = []
    for key, title, rows, horizontal in (
        ("activity-month", "Completed activities by month", activity.by_month, False),
        (
            "activity-directorate",
            "Completed activities by directorate",
            activity.by_directorate,
            True,
        ),
        ("activity-type", "Completed activities by type", activity.by_activity_type, True),
        ("activity-purpose", "Completed activities by purpose", activity.by_purpose, True),
        ("activity-channel", "Completed activities by channel", activity.by_channel, True),
    ):
        counts = [(label(r.key), r.activities) for r in rows]
        chart = charts.bar_chart(key, title, "Activities", counts, horizontal=horizontal)
        if chart is not None:
            out.append(chart)
    return out


def kpi_charts(scorecard: ScorecardSection) -> dict[str, Chart]:
    out: dict[str, Chart] = {}
    for code, series in scorecard.series.items():
        chart = charts.xmr_chart(series)
        if chart is not None:
            out[code] = chart
    return out


def confidence_charts(confidence: AssociationSection) -> list[Chart]:
    out: list[Chart] = []
    for result in confidence.results:
        points = [
            (r.area, r.per_1000, (r.shares.get(result.question) or 0.0) * 100)
            for r in confidence.rows
            if r.per_1000 is not None and r.shares.get(result.question) is not None
        ]
        chart = charts.scatter_chart(
            f"confidence-{result.question}",
            f"Engagement per 1,000 residents and '{result.question}'",
            "Engagements per 1,000 residents",
            f"{result.question} positive share %",
            [(a, x, y) for a, x, y in points if x is not None],
        )
        if chart is not None:
            out.append(chart)
    return out


def build_charts(report: Report) -> ReportCharts:
    return ReportCharts(
        survey=survey_charts(report.survey),
        activity=activity_charts(report.activity),
        kpi=kpi_charts(report.scorecard),
        confidence=confidence_charts(report.engagement_and_confidence),
    )


def label(code: str | None) -> str:
    return "(none)" if code is None else code.replace("_", " ")


def _render(report: Report) -> str:
    built = build_charts(report)
    for chart in built.every():
        chart.render_svg()
    template = environment.get_template("report.html.j2")
    return template.render(context(report, built))


def context(report: Report, built: ReportCharts) -> dict[str, Any]:
    return {
        "report": report,
        "charts": built,
        "label": label,
        "variation_icons": VARIATION_ICONS,
        "assurance_icons": ASSURANCE_ICONS,
        "rag_colours": RAG_COLOURS,
    }


async def render_html(report: Report) -> str:
    """Charts and template in a worker thread: matplotlib never blocks the event loop."""
    return await asyncio.to_thread(_render, report)
