"""Section 6: two-way engagement per 1,000 residents against the survey's shares, per area.

Areas are matched by code between the activity registry (neighbourhoods with residents, and
their districts) and the survey's own area codes; the level (district or neighbourhood) is the
one where more survey areas match. Worded as an association, never a cause.
"""

from __future__ import annotations

from collections import defaultdict

from services.kpi.reports import wording
from services.kpi.reports.association import spearman
from services.kpi.reports.gather import POSITIVE_ANSWERS, Gathered
from services.kpi.reports.schemas import (
    AssociationResult,
    AssociationRow,
    AssociationSection,
    Finding,
)

QUESTION_WORDS = {
    "informed": "the share feeling very or fairly well informed",
    "have_say": "the share aware of opportunities to have their say",
    "confidence": "the share confident in their local police",
}
SOURCE = (
    "activity: /api/v1/activities/aggregate?group_by=district,area&classification=engagement, "
    "/api/v1/areas; survey: /api/v1/surveys/{code}/questions/{question}/results?by=area"
)


def _positive_shares(data: Gathered) -> dict[str, dict[str, tuple[float | None, int]]]:
    """question -> survey area -> (positive share or None when suppressed, base n)."""
    out: dict[str, dict[str, tuple[float | None, int]]] = {}
    for question, results in data.results_by_area.items():
        wanted = POSITIVE_ANSWERS[question]
        per_area: dict[str, tuple[float | None, int]] = {}
        for group in results.groups:
            if group.base_n == 0:
                continue
            if group.suppressed:
                per_area[group.group] = (None, group.base_n)
                continue
            share = sum((a.share or 0.0) for a in group.answers if a.answer in wanted)
            per_area[group.group] = (share, group.base_n)
        out[question] = per_area
    return out


def confidence_section(data: Gathered, available: bool) -> AssociationSection:
    empty = AssociationSection(available=False, level=None, rows=[], results=[], findings=[])
    if not available or data.neighbourhoods is None or data.engagement_by_area is None:
        return empty
    residents: dict[str, dict[str, int]] = {"neighbourhood": {}, "district": defaultdict(int)}
    for area in data.neighbourhoods:
        if area.get("population"):
            residents["neighbourhood"][area["code"]] = area["population"]
            if area.get("district"):
                residents["district"][area["district"]] += area["population"]
    engaged: dict[str, dict[str, int]] = {
        "neighbourhood": defaultdict(int),
        "district": defaultdict(int),
    }
    for row in data.engagement_by_area.rows:
        if row.area:
            engaged["neighbourhood"][row.area] += row.activities
        if row.district:
            engaged["district"][row.district] += row.activities
    shares = _positive_shares(data)
    survey_areas = {a for per_area in shares.values() for a in per_area}
    level = max(
        ("district", "neighbourhood"), key=lambda lv: len(survey_areas & set(residents[lv]))
    )
    codes = sorted(survey_areas & set(residents[level]))
    rows = []
    for code in codes:
        people = residents[level].get(code)
        count = engaged[level].get(code, 0)
        rows.append(
            AssociationRow(
                area=code,
                level=level,
                residents=people,
                engagements=count,
                per_1000=(count / people * 1000) if people else None,
                shares={q: shares[q].get(code, (None, 0))[0] for q in shares},
                bases={q: shares[q].get(code, (None, 0))[1] for q in shares},
            )
        )
    results: list[AssociationResult] = []
    findings: list[Finding] = []
    for question in POSITIVE_ANSWERS:
        if question not in shares:
            continue
        pairs = [
            (r.per_1000, r.shares[question])
            for r in rows
            if r.per_1000 is not None and r.shares.get(question) is not None
        ]
        x = [p[0] for p in pairs if p[0] is not None and p[1] is not None]
        y = [p[1] for p in pairs if p[0] is not None and p[1] is not None]
        result = spearman(x, y)
        results.append(
            AssociationResult(
                question=question,
                areas=len(x),
                rho=result.rho if result else None,
                ci_low=result.ci_low if result else None,
                ci_high=result.ci_high if result else None,
                p=result.p if result else None,
            )
        )
        findings.append(
            wording.association_finding(
                key=f"engagement_confidence.{question}",
                measure="two-way engagement per 1,000 residents",
                outcome=QUESTION_WORDS[question],
                level=level,
                areas=len(x),
                rho=result.rho if result else None,
                ci_low=result.ci_low if result else None,
                ci_high=result.ci_high if result else None,
                p=result.p if result else None,
                source=SOURCE.replace("{code}", data.survey_code).replace("{question}", question),
            )
        )
    return AssociationSection(
        available=bool(rows), level=level, rows=rows, results=results, findings=findings
    )
