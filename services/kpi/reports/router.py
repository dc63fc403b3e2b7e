"""`GET /api/v1/reports/engagement-assurance`: HTML by default, JSON or PDF on request."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from services.kpi.calculation.periods import PeriodKind, latest_complete
from services.kpi.reports import html, pdf, service
from services.kpi.reports.kpi_inputs import scorecard_fetcher
from services.kpi.reports.negotiation import choose_format
from services.kpi.reports.periods import PERIOD_PATTERN
from services.kpi.reports.schemas import Report
from services.kpi.reports.sources import Reads, answer_cache, sources_of
from shared.auth import Principal, require_scope
from shared.db import SessionDep
from shared.problems import problem_responses

router = APIRouter(tags=["reports"])

# The charts' picture for each format (drawn while the report's inputs are fetched).
PICTURES: dict[str, Literal["svg", "jpeg"]] = {"html": "svg", "pdf": "jpeg"}

Reader = Annotated[Principal, Depends(require_scope("kpi:read"))]

DESCRIPTION = """The Engagement Assurance Report for a period, generated from the Hub's own data,
in the source report's order: 1 executive summary, 2 purpose and scope, 3 survey results,
4 engagement activity, 5 KPI scorecard, 6 engagement and confidence, 7 data quality.

- `text/html` (default): one self-contained file (inline CSS and SVG charts, no script, no
  external asset) with a print stylesheet.
- `application/json`: the same findings and figures; every finding carries its evidence (the
  numbers, the test and its p-value, and the endpoint they came from).
- `application/pdf`, or `format=pdf`.

Wording follows the GSS/ONS guidance: "increased"/"decreased" only when a change is
significant at 95%; estimates with their 95% intervals; a record only when the series shows
one; associations never as causes. The survey and activity sections need the caller's
`survey:read` / `activity:read` scopes (left out otherwise, and said so). A source that is
down leaves its sections empty and is named in section 7; the report is still made."""


@router.get(
    "/reports/engagement-assurance",
    summary="The Engagement Assurance Report (HTML, JSON or PDF)",
    description=DESCRIPTION,
    response_model=Report,
    responses={
        200: {
            "description": "The report.",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses(406, 422),
    },
)
async def engagement_assurance(
    request: Request,
    session: SessionDep,
    principal: Reader,
    period: Annotated[
        str | None,
        Query(
            pattern=PERIOD_PATTERN,
            description="`2022-Q3` (quarter), `2022-09` (month) or `2022` (year); default: "
            "the latest complete quarter.",
            examples=["2022-Q3"],
        ),
    ] = None,
    area: Annotated[
        str | None,
        Query(max_length=40, description="A district or neighbourhood code (default: force)."),
    ] = None,
    questions: Annotated[
        str | None,
        Query(
            max_length=300,
            pattern=r"^[a-z0-9_]+(,[a-z0-9_]+)*$",
            description="More survey questions beside `informed` and `have_say`, "
            "comma-separated (e.g. `confidence,seen_officer`).",
        ),
    ] = None,
    format_: Annotated[
        Literal["html", "json", "pdf"] | None,
        Query(alias="format", description="Overrides the Accept header."),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    chosen = choose_format(format_, accept)
    period = period or latest_complete(PeriodKind.quarter).text
    report = await service.build_report(
        sources_of(request),
        period=service.period_of(period),
        area=area,
        questions=[q for q in (questions or "").split(",") if q],
        principal=principal,
        fetch_scorecard=scorecard_fetcher(request, session),
        reads=Reads(answer_cache(request)),
        draw=PICTURES.get(chosen),
    )
    name = f"engagement-assurance-{period}{'-' + area if area else ''}"
    if chosen == "json":
        return JSONResponse(report.model_dump(mode="json"))
    if chosen == "pdf":
        return Response(
            await pdf.render_pdf(report),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
        )
    return HTMLResponse(await html.render_html(report))
