"""Every input of one report, fetched concurrently from the source services' endpoints.

A source that fails leaves its inputs empty and is named with the reason; the report is still
made (its data-quality section says what is missing).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

from services.kpi.reports.periods import Period
from services.kpi.reports.sources import (
    SURVEY_CODE,
    Reads,
    SourceClients,
    SourceNotFound,
    SourceUnavailable,
    get_json,
)
from shared.contracts.activity import ActionSummary, AggregateResponse, UnreconciledSummary
from shared.contracts.survey import (
    QuestionChanges,
    QuestionCorrelations,
    QuestionResults,
    QuestionTrend,
    SurveyResults,
)

T = TypeVar("T")

ENGAGEMENT_QUESTIONS = ("informed", "have_say")
ACTIONS_SUMMARY = "/api/v1/actions/summary"
UNRECONCILED_SUMMARY = "/api/v1/activities/unreconciled/summary"
# Section 6 relates engagement to these questions' positive answers.
POSITIVE_ANSWERS: dict[str, tuple[str, ...]] = {
    "informed": ("very_well", "fairly_well"),
    "have_say": ("yes",),
    "confidence": ("strongly_agree", "tend_to_agree"),
}


@dataclass
class AreaScope:
    code: str | None
    name: str | None = None
    kind: str | None = None  # force | district | neighbourhood

    def activity_filter(self) -> dict[str, str]:
        if self.code is None or self.kind == "force":
            return {}
        return {"district": self.code} if self.kind == "district" else {"area": self.code}

    def survey_filter(self) -> dict[str, str]:
        if self.code is None or self.kind == "force":
            return {}
        return {"area": self.code}


@dataclass
class SurveyInputs:
    results: QuestionResults | None = None
    changes: QuestionChanges | None = None
    trend: QuestionTrend | None = None
    correlations: QuestionCorrelations | None = None


@dataclass
class Gathered:
    period: Period
    area: AreaScope
    survey_code: str
    as_of: datetime
    failures: dict[str, str] = field(default_factory=dict)
    questions: dict[str, SurveyInputs] = field(default_factory=dict)
    representativeness: dict[str, Any] | None = None
    results_by_area: dict[str, QuestionResults] = field(default_factory=dict)
    by_directorate_classification: AggregateResponse | None = None
    by_activity_type: AggregateResponse | None = None
    by_purpose_channel: AggregateResponse | None = None
    by_month: AggregateResponse | None = None
    planned: AggregateResponse | None = None
    cancelled: AggregateResponse | None = None
    engagement_by_area: AggregateResponse | None = None
    neighbourhoods: list[dict[str, Any]] | None = None
    overlaps: list[dict[str, Any]] | None = None
    unreconciled: int | None = None
    # "You said, we did" actions raised at the period's activities, counted exactly.
    actions: ActionSummary | None = None


class _Collector:
    def __init__(self, failures: dict[str, str]) -> None:
        self.failures = failures

    async def attempt(self, awaitable: Awaitable[T]) -> T | None:
        try:
            return await awaitable
        except SourceUnavailable as exc:
            self.failures.setdefault(exc.source, exc.reason)
            return None


async def resolve_area(sources: SourceClients, code: str | None) -> AreaScope | None:
    """The area asked for, from the activity registry; None when it does not exist."""
    if code is None:
        return AreaScope(None)
    try:
        body = await get_json(sources.activity, f"/api/v1/areas/{quote(code, safe='')}")
    except SourceNotFound:
        return None
    except SourceUnavailable:  # the registry is down: keep the code as given, the report says why
        return AreaScope(code)
    return AreaScope(code, body.get("name"), body.get("kind"))


async def gather(
    sources: SourceClients,
    reads: Reads,
    period: Period,
    area: AreaScope,
    questions: list[str],
    *,
    want_survey: bool,
    want_activity: bool,
) -> Gathered:
    out = Gathered(period, area, SURVEY_CODE, datetime.now(UTC))
    collect = _Collector(out.failures)
    tasks: list[Awaitable[None]] = []
    if want_survey:
        tasks += _survey_tasks(sources, reads, out, collect, questions)
    if want_activity:
        tasks += _activity_tasks(sources, reads, out, collect)
    await asyncio.gather(*tasks)
    return out


def _survey_tasks(
    sources: SourceClients, reads: Reads, out: Gathered, collect: _Collector, questions: list[str]
) -> list[Awaitable[None]]:
    client, code, last = sources.survey, SURVEY_CODE, out.period.last_wave
    who = out.area.survey_filter()
    base = f"/api/v1/surveys/{code}"

    async def question(q: str) -> None:
        inputs = out.questions.setdefault(q, SurveyInputs())
        path = f"{base}/questions/{q}"
        results, changes, trend, correlations = await asyncio.gather(
            collect.attempt(reads.json(client, f"{path}/results", {"to": last, **who})),
            collect.attempt(reads.json(client, f"{path}/changes", {"to": last, **who})),
            collect.attempt(reads.json(client, f"{path}/trend", {"to": last, **who})),
            collect.attempt(
                reads.json(client, f"{base}/correlations", {"question": q, "to": last})
            ),
        )
        inputs.results = QuestionResults.model_validate(results) if results else None
        inputs.changes = QuestionChanges.model_validate(changes) if changes else None
        inputs.trend = QuestionTrend.model_validate(trend) if trend else None
        inputs.correlations = (
            QuestionCorrelations.model_validate(correlations) if correlations else None
        )

    async def representativeness() -> None:
        params = {"from": out.period.first_wave, "to": last}
        out.representativeness = await collect.attempt(
            reads.json(client, f"{base}/representativeness", params)
        )

    async def by_area() -> None:
        # One call, one pass over the responses, for every question the association needs.
        params = {
            "questions": ",".join(POSITIVE_ANSWERS),
            "by": "area",
            "from": out.period.first_wave,
            "to": last,
        }
        body = await collect.attempt(reads.json(client, f"{base}/results", params))
        if body is not None:
            for results in SurveyResults.model_validate(body).results:
                out.results_by_area[results.question] = results

    for q in questions:
        out.questions[q] = SurveyInputs()
    return [
        *(question(q) for q in questions),
        representativeness(),
        by_area(),
    ]


def _activity_tasks(
    sources: SourceClients, reads: Reads, out: Gathered, collect: _Collector
) -> list[Awaitable[None]]:
    client, period = sources.activity, out.period
    where = out.area.activity_filter()
    dates = {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()}

    async def aggregate(group_by: str, **extra: str) -> AggregateResponse | None:
        params = {"group_by": group_by, "period": "month", **dates, **where, **extra}
        body = await collect.attempt(reads.json(client, "/api/v1/activities/aggregate", params))
        return AggregateResponse.model_validate(body) if body is not None else None

    async def counts() -> None:
        (
            out.by_directorate_classification,
            out.by_activity_type,
            out.by_purpose_channel,
            out.by_month,
            out.planned,
            out.cancelled,
            out.engagement_by_area,
        ) = await asyncio.gather(
            aggregate("directorate,classification"),
            aggregate("activity_type"),
            aggregate("purpose,channel"),
            aggregate("period"),
            aggregate("directorate", status="planned"),
            aggregate("directorate", status="cancelled"),
            aggregate("district,area", classification="engagement"),
        )

    async def neighbourhoods() -> None:
        # The neighbourhoods in scope: all, a district's, or the one asked for.
        params = {
            "kind": "neighbourhood",
            **({"district": where["district"]} if "district" in where else {}),
        }
        found = await collect.attempt(reads.pages(client, "/api/v1/areas", params))
        if found is not None:
            items = found[0]
            if "area" in where:
                items = [a for a in items if a["code"] == where["area"]]
            out.neighbourhoods = items

    async def overlaps() -> None:
        params = {**dates, **where, "limit": 500}
        out.overlaps = await collect.attempt(
            reads.json(client, "/api/v1/activities/overlaps", params)
        )

    async def unreconciled() -> None:
        body = await collect.attempt(reads.json(client, UNRECONCILED_SUMMARY, where))
        if body is not None:
            out.unreconciled = UnreconciledSummary.model_validate(body).unreconciled

    async def actions() -> None:
        body = await collect.attempt(reads.json(client, ACTIONS_SUMMARY, {**dates, **where}))
        out.actions = ActionSummary.model_validate(body) if body is not None else None

    return [
        counts(),
        neighbourhoods(),
        overlaps(),
        unreconciled(),
        actions(),
    ]
