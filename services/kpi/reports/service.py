"""The Engagement Assurance Report: gathers the inputs, applies the wording rules, and lays the
findings out in the source report's order (sections 1-7)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Literal

from services.kpi.reports import html, scorecard_findings
from services.kpi.reports.activity_findings import activity_section
from services.kpi.reports.charts import Chart, prerender
from services.kpi.reports.confidence_findings import confidence_section
from services.kpi.reports.gather import (
    ENGAGEMENT_QUESTIONS,
    AreaScope,
    Gathered,
    gather,
    resolve_area,
)
from services.kpi.reports.periods import Period, parse_period
from services.kpi.reports.schemas import (
    ActivitySection,
    AssociationSection,
    DataQualitySection,
    Evidence,
    Finding,
    Report,
    Scope,
    ScorecardSection,
    SourceStatus,
    SurveySection,
)
from services.kpi.reports.sources import Reads, SourceClients
from services.kpi.reports.survey_findings import latest_group, series_breaks, survey_section
from shared.auth import Principal
from shared.problems import invalid

TITLE = "Engagement Assurance Report"
OUT_OF_SCOPE = [
    "Engagement with under-represented groups (covered by the disproportionality assurance "
    "report).",
    "Engagement through the use of police powers (for example stop and search).",
    "A detailed view of prevention work.",
    "Interaction with communities when responding to calls for service.",
]
HEADLINES = 10


def period_of(text: str) -> Period:
    try:
        return parse_period(text)
    except ValueError as exc:
        raise invalid("query.period", str(exc), "pattern") from exc


async def build_report(
    sources: SourceClients,
    *,
    period: Period,
    area: str | None,
    questions: list[str],
    principal: Principal,
    fetch_scorecard: scorecard_findings.ScorecardFetcher,
    reads: Reads,
    draw: Literal["svg", "jpeg"] | None = None,
) -> Report:
    """`draw`: the kind of picture the report will be shown with; its charts are drawn as
    soon as their inputs are there, while the rest is still being fetched."""
    scope_area = await resolve_area(sources, area)
    if scope_area is None:
        raise invalid("query.area", f"no area {area!r} in the activity registry", "not_found")
    want_survey = principal.allows("survey:read")
    want_activity = principal.allows("activity:read")
    wanted = list(dict.fromkeys([*ENGAGEMENT_QUESTIONS, *questions]))
    drawing: list[asyncio.Task[None]] = []

    def start_drawing(found: list[Chart]) -> None:
        # Charts drawn in a worker thread while the other inputs are still on their way.
        if draw is not None and found:
            drawing.append(asyncio.create_task(asyncio.to_thread(prerender, draw, found)))

    async def from_sources() -> tuple[Gathered, SurveySection, ActivitySection, AssociationSection]:
        data = await gather(
            sources,
            reads,
            period,
            scope_area,
            wanted,
            want_survey=want_survey,
            want_activity=want_activity,
        )
        survey_ok = want_survey and "survey" not in data.failures
        activity_ok = want_activity and "activity" not in data.failures
        survey = survey_section(data, survey_ok)
        activity = activity_section(data, activity_ok)
        confidence = confidence_section(data, survey_ok and activity_ok)
        start_drawing(
            [
                *html.survey_charts(survey).values(),
                *html.activity_charts(activity),
                *html.confidence_charts(confidence),
            ]
        )
        return data, survey, activity, confidence

    async def from_kpis() -> tuple[scorecard_findings.ScorecardInputs, ScorecardSection]:
        kpis = await fetch_scorecard(period, scope_area)
        section = scorecard_findings.scorecard_section(kpis)
        start_drawing(list(html.kpi_charts(section).values()))
        return kpis, section

    try:
        (data, survey, activity, confidence), (kpis, scorecard) = await asyncio.gather(
            from_sources(), from_kpis()
        )
    finally:
        await asyncio.gather(*drawing)
    quality = DataQualitySection(findings=_data_quality(data, kpis, principal))
    every = [
        *(f for q in survey.questions for f in q.findings),
        *(survey.representativeness.findings if survey.representativeness else []),
        *activity.findings,
        *scorecard.findings,
        *confidence.findings,
    ]
    summary = executive_summary(every)
    summary += [f for f in quality.findings if f.key.startswith("sources.")]
    return Report(
        title=TITLE,
        generated_at=datetime.now(UTC),
        scope=_scope(data, kpis, reads, scope_area, wanted, principal),
        executive_summary=summary,
        survey=survey,
        activity=activity,
        scorecard=scorecard,
        engagement_and_confidence=confidence,
        data_quality=quality,
    )


def executive_summary(findings: list[Finding]) -> list[Finding]:
    """The headline findings, taken in turn from each section (so one busy section does not
    crowd out the others), each section's in its own order, at most HEADLINES."""
    by_section: dict[int, list[Finding]] = {}
    for finding in findings:
        if finding.headline:
            by_section.setdefault(finding.section, []).append(finding)
    queues = [by_section[s] for s in sorted(by_section)]
    out: list[Finding] = []
    while len(out) < HEADLINES and any(queues):
        for queue in queues:
            if queue and len(out) < HEADLINES:
                out.append(queue.pop(0))
    return sorted(out, key=lambda f: f.section)


def _scope(
    data: Gathered,
    kpis: scorecard_findings.ScorecardInputs,
    reads: Reads,
    area: AreaScope,
    questions: list[str],
    who: Principal,
) -> Scope:
    statuses = []
    for name, scope in (("survey", "survey:read"), ("activity", "activity:read")):
        reason = data.failures.get(name)
        if not who.allows(scope):
            reason = f"not read: the credential lacks the `{scope}` scope"
        statuses.append(
            SourceStatus(name=name, available=reason is None, as_of=data.as_of, reason=reason)
        )
    statuses = [s.model_copy(update={"as_of": reads.as_of.get(s.name, s.as_of)}) for s in statuses]
    statuses.append(
        SourceStatus(
            name="kpi",
            available=kpis.scorecard is not None,
            as_of=kpis.scorecard.generated_at if kpis.scorecard else data.as_of,
            reason=kpis.reason,
        )
    )
    return Scope(
        period=data.period.text,
        period_start=data.period.first_day,
        period_end=data.period.last_day,
        waves=data.period.waves,
        area=area.code,
        area_name=area.name,
        area_kind=area.kind,
        survey=data.survey_code,
        questions=questions,
        sources=statuses,
        out_of_scope=OUT_OF_SCOPE,
    )


def _quality(key: str, sentence: str, source: str, **figures: str | int | None) -> Finding:
    return Finding(
        key=key,
        section=7,
        kind="data_quality",
        sentence=sentence,
        evidence=Evidence(source=source, figures=dict(figures)),
    )


def _data_quality(
    data: Gathered, kpis: scorecard_findings.ScorecardInputs, who: Principal
) -> list[Finding]:
    out: list[Finding] = []
    for name, reason in sorted(data.failures.items()):
        out.append(
            _quality(
                f"sources.{name}",
                f"The {name} service was unavailable when the report was made ({reason}); "
                "its sections are incomplete.",
                name,
                reason=reason,
            )
        )
    for name, scope in (("survey", "survey:read"), ("activity", "activity:read")):
        if not who.allows(scope):
            out.append(
                _quality(
                    f"scope.{name}",
                    f"The {name} sections are left out: the credential lacks `{scope}`.",
                    "kpi",
                    scope=scope,
                )
            )
    wave = data.period.last_wave
    base = f"survey: /api/v1/surveys/{data.survey_code}/questions"
    for code, inputs in data.questions.items():
        if inputs.results is None:
            continue
        group = latest_group(inputs.results, wave)
        source = f"{base}/{code}/results"
        if group is not None and group.suppressed and group.base_n > 0:
            out.append(
                _quality(
                    f"survey.{code}.suppressed",
                    f"'{code}' in {wave}: base of {group.base_n} responses, under 50, so its "
                    "shares are suppressed.",
                    source,
                    wave=wave,
                    base_n=group.base_n,
                )
            )
        elif group is not None and group.low_base:
            out.append(
                _quality(
                    f"survey.{code}.low_base",
                    f"'{code}' in {wave}: low base of {group.base_n} responses (under 100).",
                    source,
                    wave=wave,
                    base_n=group.base_n,
                )
            )
        suppressed_waves = [g.group for g in inputs.results.groups if g.suppressed and g.base_n > 0]
        if suppressed_waves:
            out.append(
                _quality(
                    f"survey.{code}.suppressed_waves",
                    f"'{code}': {len(suppressed_waves)} earlier wave(s) with a base under 50 "
                    "are suppressed and left out of the trend.",
                    source,
                    waves=",".join(suppressed_waves),
                )
            )
        for break_wave in series_breaks(inputs.results):
            out.append(
                _quality(
                    f"survey.{code}.series_break.{break_wave}",
                    f"'{code}': the question wording changed in {break_wave}; trends and "
                    "comparisons use the current wording's series only.",
                    source,
                    wave=break_wave,
                )
            )
    for results in data.results_by_area.values():
        suppressed = [g.group for g in results.groups if g.suppressed and g.base_n > 0]
        if suppressed:
            out.append(
                _quality(
                    f"survey.{results.question}.areas_suppressed",
                    f"'{results.question}' by area: {len(suppressed)} area(s) with a base "
                    "under 50 are suppressed and left out of section 6.",
                    f"{base}/{results.question}/results?by=area",
                    areas=",".join(suppressed),
                )
            )
    out += scorecard_findings.data_quality(kpis)
    return out
