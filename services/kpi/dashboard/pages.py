"""Rendering the dashboard's pages: the figures (from `service`), the filters, the templates.

Charts and templates render in a worker thread (`asyncio.to_thread`): never on the loop.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Path as PathParam
from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi.calculation.periods import PeriodKind, latest_complete
from services.kpi.dashboard import service
from services.kpi.dashboard.session import Session
from services.kpi.dashboard.tables import Table, csv_response, find
from services.kpi.reports import html as report_html
from services.kpi.reports import kpi_inputs
from services.kpi.reports import service as reports
from services.kpi.reports.charts import xmr_chart
from services.kpi.reports.gather import AreaScope, resolve_area
from services.kpi.reports.periods import PERIOD_PATTERN, Period, parse_period, wave_words
from services.kpi.reports.sources import (
    Reads,
    SourceClients,
    SourceUnavailable,
    answer_cache,
    get_all_pages,
    sources_of,
)
from services.kpi.scorecard.service import build_scorecard
from services.kpi.series.service import build_series
from shared.contracts.kpi import Scorecard
from shared.contracts.survey import WAVE_PATTERN
from shared.problems import ProblemError

KpiCode = PathParam(max_length=60, pattern=r"^[a-z0-9_]+$")

environment = Environment(
    loader=FileSystemLoader([Path(__file__).parent / "templates", report_html.TEMPLATES]),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["wave_words"] = wave_words
environment.globals.update(
    label=report_html.label,
    variation_icons=report_html.VARIATION_ICONS,
    assurance_icons=report_html.ASSURANCE_ICONS,
    rag_colours=report_html.RAG_COLOURS,
)

# Pages are the Hub's own: they load nothing from elsewhere and run no script.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' "
    "data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
NAV = [
    ("/dashboard/scorecard", "Scorecard", "kpi:read"),
    ("/dashboard/survey", "Survey", "survey:read"),
    ("/dashboard/activity", "Activity", "activity:read"),
    ("/dashboard/report", "Report", "kpi:read"),
]


def _with(request: Request, **params: str) -> str:
    """This page's URL with its filters and `params`."""
    query = {k: v for k, v in request.query_params.items() if k != "download" and v}
    return f"{request.url.path}?{urlencode({**query, **params})}"


def _render_sync(template: str, context: dict[str, Any]) -> str:
    for chart in context.get("charts", []):
        if not chart.svg:
            chart.render_svg()
    return environment.get_template(template).render(context)


async def render(
    request: Request,
    template: str,
    session: Session | None,
    *,
    title: str,
    status: int = 200,
    **context: Any,
) -> Response:
    body = await asyncio.to_thread(
        _render_sync,
        template,
        {
            "title": title,
            "session": session,
            "nav": [
                (href, text)
                for href, text, scope in NAV
                if session and session.principal.allows(scope)
            ],
            "path": request.url.path,
            "csv_href": lambda key: _with(request, download=key),
            "report_query": urlencode(
                {k: v for k, v in request.query_params.items() if k in ("period", "area") and v}
            ),
            **context,
        },
    )
    return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)


async def _forbidden(request: Request, session: Session, scope: str) -> Response:
    return await render(
        request,
        "message.html.j2",
        session,
        title="Not allowed",
        status=403,
        message=f"Your sign-in does not hold the `{scope}` scope this page needs.",
    )


async def _areas(sources: SourceClients) -> list[dict[str, Any]]:
    """Districts and neighbourhoods for the area filter (empty when the registry is down)."""
    try:
        found, _ = await get_all_pages(sources.activity, "/api/v1/areas")
    except SourceUnavailable:
        return []
    return [a for a in found if a["kind"] in ("district", "neighbourhood")]


async def _area(request: Request, sources: SourceClients, code: str | None) -> AreaScope:
    scope = await resolve_area(sources, code)
    if scope is None:
        raise ProblemError(422, f"query.area: no area {code!r}")
    return scope


def _period(text: str | None) -> Period:
    return parse_period(text or latest_complete(PeriodKind.quarter).text)


def _download(tables: list[Table], key: str | None, name: str) -> Response | None:
    if key is None:
        return None
    table = find(tables, key)
    if table is None:
        raise ProblemError(404, f"No table {key!r} on this page.")
    return csv_response(table, f"{name}-{re.sub(r'[^a-z0-9-]', '', key)}")


async def _error_page(
    request: Request, session: Session, title: str, message: str, status: int
) -> Response:
    return await render(
        request, "message.html.j2", session, title=title, status=status, message=message
    )


async def survey(
    request: Request,
    session: Session,
    question: str,
    area: str | None,
    first: str | None,
    last: str | None,
    download: str | None,
) -> Response:
    if not session.principal.allows("survey:read"):
        return await _forbidden(request, session, "survey:read")
    sources = sources_of(request)
    for name, value in (("from", first), ("to", last)):
        if value is not None and not re.match(WAVE_PATTERN, value):
            return await _error_page(
                request, session, "Survey", f"`{name}` must be a wave such as 2022-Q3.", 422
            )
    try:
        questions, areas, scope = await asyncio.gather(
            service.survey_questions(sources), _areas(sources), _area(request, sources, area)
        )
        if question not in {q for q, _ in questions}:
            return await _error_page(
                request, session, "Survey", f"There is no question {question!r}.", 404
            )
        page = await service.survey_page(sources, question, scope, first, last)
    except SourceUnavailable as exc:
        return await _error_page(
            request, session, "Survey", f"The survey service is unavailable: {exc.reason}.", 503
        )
    except ProblemError as exc:
        return await _error_page(request, session, "Survey", exc.detail or exc.title, exc.status)
    csv = _download(page.downloads(), download, f"survey-{question}")
    if csv is not None:
        return csv
    return await render(
        request,
        "survey.html.j2",
        session,
        title=f"Survey: {page.extra['question_text']}",
        page=page,
        charts=page.charts,
        questions=questions,
        question=question,
        areas=areas,
        area=area,
        first=first,
        last=last,
    )


async def activity(
    request: Request, session: Session, period: str | None, area: str | None, download: str | None
) -> Response:
    if not session.principal.allows("activity:read"):
        return await _forbidden(request, session, "activity:read")
    sources = sources_of(request)
    if period is not None and not re.match(PERIOD_PATTERN, period):
        return await _error_page(
            request, session, "Activity", "The period must look like 2022-Q3, 2022-09 or 2022.", 422
        )
    chosen = _period(period)
    try:
        areas, scope = await asyncio.gather(_areas(sources), _area(request, sources, area))
        page = await service.activity_page(sources, Reads(answer_cache(request)), chosen, scope)
    except SourceUnavailable as exc:
        return await _error_page(
            request, session, "Activity", f"The activity service is unavailable: {exc.reason}.", 503
        )
    except ProblemError as exc:
        return await _error_page(request, session, "Activity", exc.detail or exc.title, exc.status)
    csv = _download(page.downloads(), download, f"activity-{chosen.text}")
    if csv is not None:
        return csv
    return await render(
        request,
        "activity.html.j2",
        session,
        title=f"Activity: {chosen.text}",
        page=page,
        charts=page.charts,
        period=chosen.text,
        areas=areas,
        area=area,
    )


async def report(
    request: Request, db: AsyncSession, session: Session, period: str | None, area: str | None
) -> Response:
    if not session.principal.allows("kpi:read"):
        return await _forbidden(request, session, "kpi:read")
    if period is not None and not re.match(PERIOD_PATTERN, period):
        return await _error_page(
            request, session, "Report", "The period must look like 2022-Q3, 2022-09 or 2022.", 422
        )
    try:
        built = await reports.build_report(
            sources_of(request),
            period=_period(period),
            area=area,
            questions=[],
            principal=session.principal,
            fetch_scorecard=kpi_inputs.scorecard_fetcher(request, db),
            reads=Reads(answer_cache(request)),
        )
    except ProblemError as exc:
        return await _error_page(request, session, "Report", exc.detail or exc.title, exc.status)
    return HTMLResponse(await report_html.render_html(built), headers=SECURITY_HEADERS)


def _scorecard_table(card: Scorecard) -> Table:
    table = Table(
        "scorecard",
        f"KPI scorecard {card.period}",
        [
            "Pillar",
            "Objective",
            "Output",
            "Code",
            "KPI",
            "Value",
            "95% CI low",
            "95% CI high",
            "Target",
            "RAG",
            "Variation",
            "Assurance",
            "Status",
        ],
    )
    for pillar in card.pillars:
        for objective in pillar.objectives:
            for output in objective.outputs:
                for k in output.kpis:
                    table.rows.append(
                        [
                            pillar.pillar,
                            objective.objective,
                            output.output,
                            k.code,
                            k.name,
                            k.value,
                            k.ci_low,
                            k.ci_high,
                            k.target.value if k.target else None,
                            k.rag.value if k.rag else None,
                            k.variation.value,
                            k.assurance.value,
                            k.status.value,
                        ]
                    )
    return table


async def scorecard(
    request: Request,
    db: AsyncSession,
    session: Session,
    period: str | None,
    area: str | None,
    download: str | None,
) -> Response:
    if not session.principal.allows("kpi:read"):
        return await _forbidden(request, session, "kpi:read")
    sources = sources_of(request)
    try:
        card, areas = await asyncio.gather(
            build_scorecard(db, sources, period=period, area=area), _areas(sources)
        )
    except ProblemError as exc:
        return await _error_page(request, session, "Scorecard", exc.detail or exc.title, exc.status)
    table = _scorecard_table(card)
    csv = _download([table], download, f"scorecard-{card.period}")
    if csv is not None:
        return csv
    suffix = f"?{urlencode({'area': area})}" if area else ""
    return await render(
        request,
        "scorecard.html.j2",
        session,
        title=f"KPI scorecard: {card.period}",
        card=card,
        table=table,
        period=card.period,
        areas=areas,
        area=area,
        kpi_href=lambda code: f"/dashboard/scorecard/{code}{suffix}",
    )


async def kpi(
    request: Request,
    db: AsyncSession,
    session: Session,
    code: str,
    area: str | None,
    last: str | None,
    download: str | None,
) -> Response:
    if not session.principal.allows("kpi:read"):
        return await _forbidden(request, session, "kpi:read")
    sources = sources_of(request)
    try:
        series, areas = await asyncio.gather(
            build_series(db, sources, code, area=area, last=last), _areas(sources)
        )
    except ProblemError as exc:
        return await _error_page(request, session, "KPI", exc.detail or exc.title, exc.status)
    chart = xmr_chart(series)
    charts = [chart] if chart is not None else []
    tables = [Table.of_chart(c) for c in charts]
    csv = _download(tables, download, f"kpi-{code}")
    if csv is not None:
        return csv
    return await render(
        request,
        "kpi.html.j2",
        session,
        title=f"{series.name}: XmR chart",
        series=series,
        charts=charts,
        areas=areas,
        area=area,
        last=last,
    )
