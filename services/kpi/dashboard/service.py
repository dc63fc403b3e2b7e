"""What each dashboard page shows: figures from the survey and activity services' endpoints
(and the KPI service's own scorecard), laid out as charts and tables."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from services.kpi.dashboard.tables import Table
from services.kpi.reports import charts
from services.kpi.reports.activity_findings import activity_section
from services.kpi.reports.charts import Chart
from services.kpi.reports.gather import AreaScope, gather
from services.kpi.reports.html import label
from services.kpi.reports.periods import Period, wave_words
from services.kpi.reports.sources import (
    SURVEY_CODE,
    Reads,
    SourceClients,
    SourceUnavailable,
    get_all_pages,
    get_json,
)
from shared.contracts.survey import QuestionChanges, QuestionResults

# The activity page lists overdue actions and unreconciled plans up to this many pages of 500,
# and says so beyond it (the report counts them exactly with the summary endpoints).
LISTED_PAGES = 4

DEFAULT_WAVES = 12


@dataclass
class Page:
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def downloads(self) -> list[Table]:
        """Every table of the page, the charts' data tables included."""
        return [*self.tables, *(Table.of_chart(c) for c in self.charts)]


async def survey_questions(sources: SourceClients) -> list[tuple[str, str]]:
    body = await get_json(sources.survey, f"/api/v1/surveys/{SURVEY_CODE}")
    return [
        (q["code"], q["text"])
        for q in body["questions"]
        if q.get("kind", "single_choice") != "free_text"
    ]


async def survey_page(
    sources: SourceClients, question: str, area: AreaScope, first: str | None, last: str | None
) -> Page:
    base = f"/api/v1/surveys/{SURVEY_CODE}"
    who = area.survey_filter()
    params = {**who, **({"from": first} if first else {}), **({"to": last} if last else {})}
    page = Page()
    results = QuestionResults.model_validate(
        await get_json(sources.survey, f"{base}/questions/{question}/results", params)
    )
    waves = [g.group for g in results.groups]
    if first is None and len(waves) > DEFAULT_WAVES:
        # By default the last three years; `from` shows more.
        keep = waves[-DEFAULT_WAVES:]
        results.groups = [g for g in results.groups if g.group in keep]
        waves = keep
    marks = await _significance_marks(sources, question, who, waves)
    chart = charts.survey_chart(results)
    if chart is not None:
        # The chart's own data table carries the significance marks (a column per answer).
        codes = list(dict.fromkeys(a.answer for g in results.groups for a in g.answers))
        for group, row in zip(results.groups, chart.rows, strict=True):
            for position, code in enumerate(codes):
                mark = marks.get((group.group, code))
                if mark:
                    row[2 + position] = f"{row[2 + position]}{mark}"
        page.charts.append(chart)
    page.extra["question_text"] = results.question_text
    try:
        mix = await get_json(
            sources.survey,
            f"{base}/representativeness",
            {k: v for k, v in params.items() if k != "area"},
        )
    except SourceUnavailable as exc:
        page.notices.append(f"Representativeness is not available: {exc.reason}.")
    else:
        rows: list[list[charts.Cell]] = [
            [
                label(d["dimension"]),
                c["category"],
                c["respondents"],
                round(c["sample_share"] * 100, 1),
                None if c["population_share"] is None else round(c["population_share"] * 100, 1),
                None if c["difference_pp"] is None else round(c["difference_pp"], 1),
            ]
            for d in mix["dimensions"]
            for c in d["categories"]
        ]
        page.tables.append(
            Table(
                "representativeness",
                "Who answered: respondents against the population",
                [
                    "Dimension",
                    "Category",
                    "Respondents",
                    "Sample %",
                    "Population %",
                    "Difference (pp)",
                ],
                rows,
            )
        )
        page.tables.append(
            Table(
                "weighting",
                "Raking to the population margins, per wave",
                ["Wave", "Respondents", "Design effect", "Effective n", "Largest weight"],
                [
                    [
                        wave_words(w["wave"]),
                        w["respondents"],
                        round(w["design_effect"], 3),
                        round(w["effective_n"], 1),
                        round(w["max_weight"], 2),
                    ]
                    for w in mix["weighting"]
                ],
            )
        )
        if not mix["margins_loaded"]:
            page.notices.append("No population margins are loaded: shares are not raked.")
    return page


async def _significance_marks(
    sources: SourceClients, question: str, who: dict[str, str], waves: list[str]
) -> dict[tuple[str, str], str]:
    """Per wave and answer: a mark when the change from the previous quarter is significant
    (the survey service's z-test; never judged from overlapping intervals)."""
    path = f"/api/v1/surveys/{SURVEY_CODE}/questions/{question}/changes"
    limit = asyncio.Semaphore(6)

    async def one(wave: str) -> QuestionChanges | None:
        async with limit:
            try:
                body = await get_json(sources.survey, path, {"to": wave, **who})
            except SourceUnavailable:
                return None
        return QuestionChanges.model_validate(body)

    found = await asyncio.gather(*(one(w) for w in waves[1:]))
    marks: dict[tuple[str, str], str] = {}
    for wave, changes in zip(waves[1:], found, strict=True):
        if changes is None:
            continue
        for comparison in changes.comparisons:
            if comparison.kind != "previous_quarter":
                continue
            for answer in comparison.answers:
                if answer.significant and answer.difference_pp:
                    rise = answer.difference_pp > 0
                    marks[(wave, answer.answer)] = (
                        " ▲ significant rise" if rise else " ▼ significant fall"
                    )
    return marks


async def activity_page(
    sources: SourceClients, reads: Reads, period: Period, area: AreaScope
) -> Page:
    data = await gather(sources, reads, period, area, [], want_survey=False, want_activity=True)
    page = Page()
    if data.failures:
        page.notices += [f"The {k} service is unavailable: {v}." for k, v in data.failures.items()]
    section = activity_section(data, not data.failures)
    for key, title, rows, horizontal in (
        ("by-month", "Completed activities by month", section.by_month, False),
        ("by-directorate", "Completed activities by directorate", section.by_directorate, True),
        ("by-type", "Completed activities by type", section.by_activity_type, True),
    ):
        chart = charts.bar_chart(
            key,
            title,
            "Activities",
            [(label(r.key), r.activities) for r in rows],
            horizontal=horizontal,
        )
        if chart is not None:
            page.charts.append(chart)
        page.tables.append(
            Table(
                key,
                title,
                ["Group", "Activities", "Attendees"],
                [[label(r.key), r.activities, r.attendees] for r in rows],
            )
        )
    by_area: dict[str, int] = {}
    if data.engagement_by_area is not None:
        for row in data.engagement_by_area.rows:
            by_area[row.area or "(none)"] = by_area.get(row.area or "(none)", 0) + row.activities
    page.tables.append(
        Table(
            "engagement-by-area",
            "Two-way engagement by neighbourhood",
            ["Neighbourhood", "Engagements"],
            [
                [code, by_area.get(code, 0)]
                for code in sorted({*by_area, *(a["code"] for a in data.neighbourhoods or [])})
            ],
        )
    )
    page.tables.append(
        Table(
            "overlaps",
            "Overlaps: planned activities of different directorates, same area or venue and week",
            ["Week of", "Where", "First", "First directorate", "Second", "Second directorate"],
            [
                [
                    o.week_start.isoformat(),
                    o.where,
                    o.first_title,
                    label(o.first_directorate),
                    o.second_title,
                    label(o.second_directorate),
                ]
                for o in section.overlaps
            ],
        )
    )
    where = area.activity_filter()
    actions, unreconciled = await asyncio.gather(
        get_all_pages(
            sources.activity,
            "/api/v1/actions",
            {"overdue": "true", **where},
            max_pages=LISTED_PAGES,
        ),
        get_all_pages(
            sources.activity, "/api/v1/activities/unreconciled", where, max_pages=LISTED_PAGES
        ),
    )
    for (_, cut), what in ((actions, "overdue actions"), (unreconciled, "unreconciled plans")):
        if cut:
            page.notices.append(f"Only the first {LISTED_PAGES * 500:,} {what} are listed.")
    page.tables.append(
        Table(
            "overdue-actions",
            '"You said, we did" actions past due and not done',
            ["Due", "Issue", "Action", "Owner", "Activity", "Area"],
            [
                [a["due_on"], a["issue"], a["action"], a["owner"], a["activity_title"], a["area"]]
                for a in actions[0]
            ],
        )
    )
    page.tables.append(
        Table(
            "unreconciled",
            "Planned activities past their date, neither completed nor cancelled",
            ["Starts", "Title", "Directorate", "Type", "Area"],
            [
                [
                    a["starts_at"][:16].replace("T", " "),
                    a["title"],
                    label(a["directorate"]),
                    label(a["activity_type"]),
                    a["area"],
                ]
                for a in unreconciled[0]
            ],
        )
    )
    page.extra["findings"] = section.findings
    page.extra["not_covered"] = section.not_covered
    return page
