"""Section 5: the KPI scorecard (pillar -> objective -> output) with Making Data Count
variation and assurance, and each KPI's XmR series; its data-quality notes go to section 7."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from services.kpi.reports.gather import AreaScope
from services.kpi.reports.periods import Period
from services.kpi.reports.schemas import (
    Evidence,
    Finding,
    ScorecardSection,
)
from shared.contracts.kpi import (
    Assurance,
    KpiResult,
    KpiSeries,
    KpiStatus,
    NoteCode,
    Scorecard,
    SpecialCauseRule,
    Variation,
)

SOURCE = "kpi: /api/v1/kpis/scorecard"
RULE_WORDS = {
    SpecialCauseRule.outside_limits: "a point outside the process limits",
    SpecialCauseRule.shift: "7 points in a row on one side of the mean",
    SpecialCauseRule.trend: "7 points in a row rising or falling",
    SpecialCauseRule.two_of_three: "2 of 3 points close to a process limit",
}
VARIATION_WORDS = {
    Variation.common_cause: "common cause variation",
    Variation.special_cause_improvement: "special cause variation (improvement)",
    Variation.special_cause_concern: "special cause variation (concern)",
    Variation.special_cause_neither: "special cause variation",
    Variation.not_enough_data: "too few points to judge variation",
}
ASSURANCE_WORDS = {
    Assurance.consistent_pass: "will consistently meet its target",
    Assurance.consistent_fail: "will consistently miss its target unless the process changes",
    Assurance.inconsistent: "may meet or miss its target (the target lies within the limits)",
    Assurance.no_target: "has no target",
    Assurance.not_enough_data: "has too few points to judge against its target",
}
# Notes that belong in the data-quality section (others are read in the table itself).
QUALITY_NOTES = {
    NoteCode.missing_measurement,
    NoteCode.stale_measurement,
    NoteCode.source_unavailable,
    NoteCode.low_base,
    NoteCode.suppressed,
    NoteCode.series_break,
}


@dataclass
class ScorecardInputs:
    scorecard: Scorecard | None = None
    series: dict[str, KpiSeries] = field(default_factory=dict)
    reason: str | None = None


ScorecardFetcher = Callable[[Period, AreaScope], Awaitable[ScorecardInputs]]


def _finding(key: str, section: int, kind: str, sentence: str, evidence: Evidence) -> Finding:
    return Finding(key=key, section=section, kind=kind, sentence=sentence, evidence=evidence)


def _value(kpi: KpiResult) -> str:
    if kpi.value is None:
        return "no value"
    unit = {"percent": "%", "count": "", "": ""}.get(kpi.unit, f" {kpi.unit}")
    number = f"{kpi.value:,.0f}" if float(kpi.value).is_integer() else f"{kpi.value:,.1f}"
    text = f"{number}{unit}"
    if kpi.ci_low is not None and kpi.ci_high is not None:
        text += f" (95% CI {kpi.ci_low:,.1f} to {kpi.ci_high:,.1f})"
    return text


def scorecard_section(inputs: ScorecardInputs) -> ScorecardSection:
    card = inputs.scorecard
    if card is None:
        reason = inputs.reason or "the scorecard could not be computed"
        finding = _finding(
            "kpi.unavailable",
            5,
            "no_data",
            f"The KPI scorecard is not available: {reason}.",
            Evidence(source=SOURCE),
        )
        return ScorecardSection(available=False, scorecard=None, series={}, findings=[finding])
    c = card.counts
    findings = [
        _finding(
            "kpi.counts",
            5,
            "kpi",
            f"Of {len(card.kpis())} KPIs for {card.period}, {c.green} met their target, "
            f"{c.amber} missed it within tolerance and {c.red} missed it; {c.none} have no RAG "
            f"status and {c.unavailable} could not be computed.",
            Evidence(source=SOURCE, figures=c.model_dump()),
        )
    ]
    for kpi in card.kpis():
        evidence = Evidence(
            source=f"kpi: /api/v1/kpis/{kpi.code}/series",
            test="XmR chart (NHS Making Data Count)",
            figures={
                "value": kpi.value,
                "ci_low": kpi.ci_low,
                "ci_high": kpi.ci_high,
                "target": kpi.target.value if kpi.target else None,
                "rag": kpi.rag.value if kpi.rag else None,
                "variation": kpi.variation.value,
                "assurance": kpi.assurance.value,
                "special_causes": ",".join(r.value for r in kpi.special_causes),
            },
        )
        signals = kpi.variation in (
            Variation.special_cause_improvement,
            Variation.special_cause_concern,
        )
        if signals or kpi.assurance is Assurance.consistent_fail:
            rules = "; ".join(RULE_WORDS[r] for r in kpi.special_causes)
            where = (
                f"has no value for {card.period}; its latest point shows"
                if kpi.value is None
                else f"was {_value(kpi)} in {card.period}, showing"
            )
            sentence = (
                f"'{kpi.name}' {where} {VARIATION_WORDS[kpi.variation]}"
                f"{f' ({rules})' if rules else ''}; it {ASSURANCE_WORDS[kpi.assurance]}."
            )
            finding = _finding(f"kpi.{kpi.code}", 5, "kpi", sentence, evidence)
            finding.headline = kpi.variation is Variation.special_cause_concern or (
                kpi.assurance is Assurance.consistent_fail
            )
            findings.append(finding)
    return ScorecardSection(available=True, scorecard=card, series=inputs.series, findings=findings)


def data_quality(inputs: ScorecardInputs) -> list[Finding]:
    card = inputs.scorecard
    if card is None:
        return []
    out: list[Finding] = []
    for kpi in card.kpis():
        if kpi.status is KpiStatus.unavailable:
            out.append(
                _finding(
                    f"kpi.{kpi.code}.unavailable",
                    7,
                    "data_quality",
                    f"'{kpi.name}' could not be computed: {kpi.reason or 'a source failed'}.",
                    Evidence(source=SOURCE, figures={"status": kpi.status.value}),
                )
            )
        for note in kpi.notes:
            if note.code in QUALITY_NOTES:
                out.append(
                    _finding(
                        f"kpi.{kpi.code}.{note.code.value}",
                        7,
                        "data_quality",
                        f"'{kpi.name}': {note.message.rstrip('.')}.",
                        Evidence(source=SOURCE, figures={"note": note.code.value}),
                    )
                )
    return out
