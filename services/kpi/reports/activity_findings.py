"""Section 4: what engagement activity was logged in the period, and what it left undone."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from services.kpi.reports.gather import ACTIONS_SUMMARY, Gathered
from services.kpi.reports.schemas import (
    ActionCounts,
    ActivitySection,
    CountRow,
    Evidence,
    Finding,
    OverlapRow,
)
from services.kpi.reports.wording import plural
from shared.contracts.activity import AggregateResponse

YOU_SAID_WE_DID = '"you said, we did" action'
AGGREGATE = "activity: /api/v1/activities/aggregate"
PURPOSES = (("inform", "to inform"), ("consult", "to consult"), ("co_operate", "to co-operate"))


def _rows(response: AggregateResponse | None, dimension: str) -> list[CountRow]:
    if response is None:
        return []
    totals: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    for row in response.rows:
        key = getattr(row, dimension)
        totals[key][0] += row.activities
        totals[key][1] += row.attendees
    rows = [CountRow(key=k, activities=v[0], attendees=v[1]) for k, v in totals.items()]
    return sorted(rows, key=lambda r: (-r.activities, r.key or ""))


def _finding(key: str, sentence: str, evidence: Evidence, headline: bool = False) -> Finding:
    return Finding(
        key=key, section=4, kind="activity", sentence=sentence, evidence=evidence, headline=headline
    )


def activity_section(data: Gathered, available: bool) -> ActivitySection:
    combined = data.by_directorate_classification
    by_directorate = _rows(combined, "directorate")
    by_classification = _rows(combined, "classification")
    totals = (
        CountRow(
            key=None, activities=combined.totals.activities, attendees=combined.totals.attendees
        )
        if combined is not None
        else None
    )
    findings: list[Finding] = []
    span = f"{data.period.first_day.isoformat()} to {data.period.last_day.isoformat()}"
    if totals is not None:
        directorates = [r for r in by_directorate if r.activities > 0]
        sentence = (
            f"{plural(totals.activities, 'completed activity', 'completed activities')} "
            f"logged from {span} by {plural(len(directorates), 'directorate')}, reaching "
            f"{plural(totals.attendees, 'attendee')}."
        )
        findings.append(
            _finding(
                "activity.total",
                sentence,
                Evidence(
                    source=f"{AGGREGATE}?group_by=directorate,classification",
                    figures={
                        "activities": totals.activities,
                        "attendees": totals.attendees,
                        "directorates": len(directorates),
                    },
                ),
                headline=True,
            )
        )
        if totals.activities:
            engagement = next((r for r in by_classification if r.key == "engagement"), None)
            count = engagement.activities if engagement else 0
            share = count / totals.activities
            findings.append(
                _finding(
                    "activity.two_way_share",
                    f"{count:,} of them ({share * 100:.1f}%) were engagement (two-way dialogue); "
                    "the rest were interaction or communication.",
                    Evidence(
                        source=f"{AGGREGATE}?group_by=directorate,classification",
                        figures={"engagement": count, "activities": totals.activities},
                    ),
                )
            )
    by_purpose = _rows(data.by_purpose_channel, "purpose")
    purpose = _purpose_finding(by_purpose)
    if purpose is not None:
        findings.append(purpose)
    planned_vs_delivered = _planned_vs_delivered(data, by_directorate)
    without, neighbourhoods = _without_engagement(data)
    if data.neighbourhoods is not None and data.engagement_by_area is not None:
        findings.append(
            _finding(
                "activity.neighbourhoods_without_engagement",
                f"{len(without)} of {plural(neighbourhoods, 'neighbourhood')} had no two-way "
                "engagement logged in the period.",
                Evidence(
                    source=f"{AGGREGATE}?group_by=district,area&classification=engagement",
                    figures={"without": len(without), "neighbourhoods": neighbourhoods},
                ),
                headline=bool(without),
            )
        )
    overlaps = [_overlap(o) for o in data.overlaps or []]
    if data.overlaps is not None:
        pairs = {frozenset((o.first_directorate, o.second_directorate)) for o in overlaps}
        findings.append(
            _finding(
                "activity.overlaps",
                f"{plural(len(overlaps), 'pair')} of planned activities of different "
                "directorates fell in the same area or venue in the same week "
                f"({plural(len(pairs), 'pair')} of directorates).",
                Evidence(
                    source="activity: /api/v1/activities/overlaps",
                    figures={"overlaps": len(overlaps), "directorate_pairs": len(pairs)},
                ),
            )
        )
    if data.unreconciled is not None:
        findings.append(
            _finding(
                "activity.unreconciled",
                f"{plural(data.unreconciled, 'planned activity', 'planned activities')} past "
                "their date, still neither completed nor cancelled.",
                Evidence(
                    source="activity: /api/v1/activities/unreconciled/summary",
                    figures={"unreconciled": data.unreconciled},
                ),
            )
        )
    actions = _actions(data)
    if actions is not None:
        findings.append(
            _finding(
                "activity.actions",
                f"Of {plural(actions.total, YOU_SAID_WE_DID)} raised at the period's "
                f"activities: {actions.done:,} done, {actions.open:,} open, of which "
                f"{actions.overdue:,} overdue on {actions.as_of.isoformat()}.",
                Evidence(
                    source=f"activity: {ACTIONS_SUMMARY}",
                    figures={
                        "total": actions.total,
                        "done": actions.done,
                        "open": actions.open,
                        "overdue": actions.overdue,
                        "as_of": actions.as_of.isoformat(),
                    },
                ),
                headline=actions.overdue > 0,
            )
        )
    return ActivitySection(
        available=available and combined is not None,
        totals=totals,
        by_directorate=by_directorate,
        by_classification=by_classification,
        by_activity_type=_rows(data.by_activity_type, "activity_type"),
        by_purpose=by_purpose,
        by_channel=_rows(data.by_purpose_channel, "channel"),
        by_month=sorted(_rows(data.by_month, "period"), key=lambda r: r.key or ""),
        planned_vs_delivered=planned_vs_delivered,
        neighbourhoods_without_engagement=without,
        neighbourhoods_total=neighbourhoods,
        overlaps=overlaps,
        unreconciled=data.unreconciled or 0,
        actions=actions,
        aggregate=combined,
        not_covered=[],
        findings=findings,
    )


def _planned_vs_delivered(data: Gathered, completed: list[CountRow]) -> list[dict[str, Any]]:
    planned = {r.key: r.activities for r in _rows(data.planned, "directorate")}
    cancelled = {r.key: r.activities for r in _rows(data.cancelled, "directorate")}
    done = {r.key: r.activities for r in completed}
    keys = sorted({*planned, *cancelled, *done}, key=lambda k: k or "")
    return [
        {
            "directorate": k,
            "completed": done.get(k, 0),
            "planned": planned.get(k, 0),
            "cancelled": cancelled.get(k, 0),
        }
        for k in keys
    ]


def _without_engagement(data: Gathered) -> tuple[list[str], int]:
    if data.neighbourhoods is None:
        return [], 0
    engaged = set()
    if data.engagement_by_area is not None:
        engaged = {r.area for r in data.engagement_by_area.rows if r.activities > 0}
    codes = sorted(a["code"] for a in data.neighbourhoods)
    return [c for c in codes if c not in engaged], len(codes)


def _overlap(body: dict[str, Any]) -> OverlapRow:
    return OverlapRow(
        week_start=body["week_start"],
        reason=body["reason"],
        where=body.get("area") or body.get("venue"),
        first_directorate=body["first"]["directorate"],
        second_directorate=body["second"]["directorate"],
        first_title=body["first"]["title"],
        second_title=body["second"]["title"],
    )


def _actions(data: Gathered) -> ActionCounts | None:
    found = data.actions
    if found is None:
        return None
    return ActionCounts(
        total=found.total,
        done=found.done,
        open=found.open,
        overdue=found.overdue,
        as_of=found.as_of,
    )


def _purpose_finding(rows: list[CountRow]) -> Finding | None:
    """What the period's activities were for: shares of inform / consult / co-operate."""
    total = sum(r.activities for r in rows)
    if not total:
        return None
    counts = {r.key: r.activities for r in rows}
    first, second, third = (
        f"{counts.get(code, 0):,} ({counts.get(code, 0) / total * 100:.1f}%)"
        for code, _ in PURPOSES
    )
    unrecorded = counts.get(None, 0)
    sentence = (
        f"Of {plural(total, 'completed activity', 'completed activities')}, {first} were "
        f"{PURPOSES[0][1]}, {second} {PURPOSES[1][1]} and {third} {PURPOSES[2][1]}"
        + (f"; {unrecorded:,} had no purpose recorded." if unrecorded else ".")
    )
    figures: dict[str, str | int | float | bool | None] = {
        code: counts.get(code, 0) for code, _ in PURPOSES
    }
    figures["not_recorded"] = unrecorded
    figures["activities"] = total
    return _finding(
        "activity.purpose",
        sentence,
        Evidence(source=f"{AGGREGATE}?group_by=purpose,channel", figures=figures),
    )
