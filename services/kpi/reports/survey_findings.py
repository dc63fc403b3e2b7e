"""Section 3: survey results for the engagement questions, worded by the rules in `wording`."""

from __future__ import annotations

from typing import Any

from services.kpi.reports import wording
from services.kpi.reports.gather import Gathered, SurveyInputs
from services.kpi.reports.schemas import (
    Evidence,
    Finding,
    MixRow,
    RepresentativenessSection,
    SurveyQuestionSection,
    SurveySection,
    WeightingRow,
)
from shared.contracts.survey import QuestionResults, ResultGroup

# How a sentence names each question (the questions are long; the answer alone is ambiguous).
QUESTION_SUBJECTS = {
    "informed": "the 'how well informed' question",
    "have_say": "the 'have your say' question",
    "confidence": "the confidence question",
    "seen_officer": "the 'seen an officer' question",
}


def survey_section(data: Gathered, available: bool) -> SurveySection:
    base = f"survey: /api/v1/surveys/{data.survey_code}"
    questions = [
        _question_section(data, code, inputs, base) for code, inputs in data.questions.items()
    ]
    return SurveySection(
        available=available and any(q.results is not None for q in questions),
        questions=questions,
        representativeness=_representativeness(data.representativeness, base),
    )


def latest_group(results: QuestionResults, wave: str) -> ResultGroup | None:
    return next((g for g in results.groups if g.group == wave), None)


def _labels(results: QuestionResults | None) -> dict[str, str]:
    if results is None:
        return {}
    return {a.answer: a.label for g in results.groups for a in g.answers}


def _question_section(
    data: Gathered, code: str, inputs: SurveyInputs, base: str
) -> SurveyQuestionSection:
    path = f"{base}/questions/{code}"
    findings: list[Finding] = []
    wave = data.period.last_wave
    labels = _labels(inputs.results)
    if inputs.results is not None:
        group = latest_group(inputs.results, wave)
        if group is None or group.base_n == 0:
            findings.append(
                wording.no_data_finding(
                    key=f"survey.{code}.{wave}",
                    section=3,
                    what=f"'{inputs.results.question_text}' in {wave[5:]} {wave[:4]}",
                    source=f"{path}/results",
                )
            )
        else:
            findings += [
                wording.estimate_finding(
                    question=QUESTION_SUBJECTS.get(code),
                    key=f"survey.{code}.{a.answer}.estimate",
                    label=a.label,
                    wave=wave,
                    share=a.share,
                    ci_low=a.ci_low,
                    ci_high=a.ci_high,
                    base_n=a.n,
                    suppressed=a.suppressed,
                    low_base=a.low_base,
                    source=f"{path}/results?to={wave}",
                )
                for a in group.answers
            ]
    if not any(f.kind in ("estimate", "data_quality") for f in findings):
        # No data in the period: one sentence says so; the figures stay in the JSON.
        return _section(code, inputs, findings)
    reported = _reported_answers(inputs.results)
    if inputs.changes is not None:
        for comparison in inputs.changes.comparisons:
            for answer in comparison.answers:
                if answer.answer not in reported:
                    continue
                findings.append(
                    wording.change_finding(
                        question=QUESTION_SUBJECTS.get(code),
                        key=f"survey.{code}.{answer.answer}.{comparison.kind}",
                        label=answer.label,
                        kind=comparison.kind,
                        share=answer.share,
                        baseline_share=answer.baseline_share,
                        difference_pp=answer.difference_pp,
                        p=answer.p,
                        significant=answer.significant,
                        comparable=comparison.comparable,
                        reason=comparison.reason,
                        source=f"{path}/changes?to={wave}",
                        figures={
                            "z": answer.z,
                            "period": ",".join(comparison.period),
                            "baseline": ",".join(comparison.baseline),
                            "effective_n": comparison.effective_n,
                            "baseline_effective_n": comparison.baseline_effective_n,
                        },
                    )
                )
    if inputs.trend is not None:
        trend = inputs.trend
        for t in trend.answers:
            if t.answer not in reported:
                continue
            findings.append(
                wording.trend_finding(
                    question=QUESTION_SUBJECTS.get(code),
                    key=f"survey.{code}.{t.answer}.trend",
                    label=t.label,
                    trend=t.trend,
                    slope_pp_per_year=t.slope_pp_per_year,
                    p=t.p,
                    waves=t.waves,
                    first_wave=trend.first_wave,
                    last_wave=trend.last_wave,
                    source=f"{path}/trend?to={wave}",
                )
            )
            record = wording.record_finding(
                question=QUESTION_SUBJECTS.get(code),
                key=f"survey.{code}.{t.answer}.record",
                label=t.label,
                latest_wave=t.latest_wave,
                latest_share=t.latest_share,
                first_wave=trend.first_wave,
                record_high=t.record_high,
                record_low=t.record_low,
                last_higher_wave=t.last_higher_wave,
                last_lower_wave=t.last_lower_wave,
                source=f"{path}/trend?to={wave}",
            )
            if record is not None:
                findings.append(record)
    if inputs.correlations is not None and len(reported) > 2:
        # Two answers are complements (r = -1 by construction): nothing to say about them.
        for pair in inputs.correlations.pairs:
            if pair.r is None:
                continue
            findings.append(
                wording.correlation_finding(
                    key=f"survey.{code}.{pair.answer_a}.{pair.answer_b}.correlation",
                    label_a=labels.get(pair.answer_a, pair.answer_a),
                    label_b=labels.get(pair.answer_b, pair.answer_b),
                    r=pair.r,
                    p=pair.p,
                    significant=pair.significant,
                    waves=pair.waves,
                    source=f"{base}/correlations?question={code}&to={wave}",
                )
            )
    _one_headline_per_comparison(findings)
    return _section(code, inputs, findings)


def _reported_answers(results: QuestionResults | None) -> set[str]:
    """Answers worded: all of them, or for a two-answer question the first (the other is its
    complement and would repeat every sentence the other way round)."""
    if results is None:
        return set()
    codes = list(_labels(results))
    return set(codes[:1]) if len(codes) == 2 else set(codes)


def _one_headline_per_comparison(findings: list[Finding]) -> None:
    """The executive summary takes one change per comparison: the largest significant one."""
    best: dict[str, Finding] = {}
    for finding in findings:
        if finding.kind != "change" or not finding.headline:
            continue
        comparison = finding.key.rsplit(".", 1)[1]
        size = abs(float(finding.evidence.figures.get("difference_pp") or 0))
        current = best.get(comparison)
        if current is None or size > abs(float(current.evidence.figures["difference_pp"] or 0)):
            if current is not None:
                current.headline = False
            best[comparison] = finding
        else:
            finding.headline = False


def _section(code: str, inputs: SurveyInputs, findings: list[Finding]) -> SurveyQuestionSection:
    return SurveyQuestionSection(
        question=code,
        text=inputs.results.question_text if inputs.results else None,
        results=inputs.results,
        changes=inputs.changes,
        trend=inputs.trend,
        correlations=inputs.correlations,
        findings=findings,
    )


def _representativeness(body: dict[str, Any] | None, base: str) -> RepresentativenessSection | None:
    if body is None:
        return None
    source = f"{base}/representativeness"
    mix = [
        MixRow(
            dimension=d["dimension"],
            category=c["category"],
            respondents=c["respondents"],
            sample_share=c["sample_share"],
            population_share=c["population_share"],
            difference_pp=c["difference_pp"],
        )
        for d in body["dimensions"]
        for c in d["categories"]
    ]
    weighting = [WeightingRow.model_validate(w) for w in body["weighting"]]
    findings: list[Finding] = []
    comparable = [m for m in mix if m.difference_pp is not None and m.dimension != "age_band_sex"]
    if not body["margins_loaded"]:
        findings.append(
            Finding(
                key="survey.representativeness.no_margins",
                section=3,
                kind="data_quality",
                sentence="No population margins are loaded, so who answered cannot be compared "
                "with the population and the shares are not raked.",
                evidence=Evidence(source=source, figures={"respondents": body["respondents"]}),
            )
        )
    elif comparable:
        under = min(comparable, key=lambda m: m.difference_pp or 0.0)
        over = max(comparable, key=lambda m: m.difference_pp or 0.0)
        for key, row, word in (("under", under, "under"), ("over", over, "over")):
            if row.population_share is None or row.difference_pp is None:
                continue
            sentence = (
                f"Respondents in {row.dimension.replace('_', ' ')} '{row.category}' were the most "
                f"{word}-represented: {wording.percent(row.sample_share)} of respondents against "
                f"{wording.percent(row.population_share)} of the population "
                f"({wording.points(row.difference_pp)}s {'fewer' if word == 'under' else 'more'})."
            )
            findings.append(
                Finding(
                    key=f"survey.representativeness.{key}",
                    section=3,
                    kind="estimate",
                    sentence=sentence,
                    evidence=Evidence(source=source, figures=row.model_dump()),
                )
            )
        for w in weighting:
            findings.append(
                Finding(
                    key=f"survey.representativeness.weighting.{w.wave}",
                    section=3,
                    kind="estimate",
                    sentence=(
                        f"Raking {w.wave[5:]} {w.wave[:4]} to the population margins (age "
                        f"band x sex, area; weights capped at 5x the mean) has a design effect of "
                        f"{w.design_effect:.2f}: {w.respondents} responses count as "
                        f"{w.effective_n:.0f}."
                    ),
                    evidence=Evidence(source=source, figures=w.model_dump()),
                )
            )
    return RepresentativenessSection(
        from_wave=body["from_wave"],
        to_wave=body["to_wave"],
        respondents=body["respondents"],
        margins_loaded=body["margins_loaded"],
        mix=mix,
        weighting=weighting,
        findings=findings,
    )


def series_breaks(results: QuestionResults) -> list[str]:
    """Waves where the wording changed (a new series starts)."""
    return [g.group for g in results.groups if g.series_break]
