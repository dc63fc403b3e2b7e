"""What each KPI is computed from: its `source_binding`, read into one of a few kinds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.kpi.catalogue.models import KpiDefinition


@dataclass(frozen=True)
class ActivityCount:
    """Completed activities of some types (the activity service's aggregate)."""

    types: tuple[str, ...]
    breakdown: str | None = None  # an aggregate dimension the period's count is broken down by
    source = "activity"


@dataclass(frozen=True)
class VolunteerHours:
    """Citizens-in-policing hours (the activity service's aggregate)."""

    source = "activity"


@dataclass(frozen=True)
class RegisterShare:
    """A share of beat profiles on the period's last day (the activity service's summary)."""

    metric: str  # profile_complete_share | priorities_current_share
    months: int
    source = "activity"


@dataclass(frozen=True)
class ActiveGroups:
    """Community groups of some types active on the period's last day."""

    group_types: tuple[str, ...]
    source = "activity"


@dataclass(frozen=True)
class SurveyShare:
    """The weighted share giving some answers (the survey service's results)."""

    survey: str
    question: str
    answers: tuple[str, ...]
    source = "survey"


@dataclass(frozen=True)
class Measured:
    """Measurements recorded for the KPI, combined by `aggregate` (sum, ratio, mean)."""

    code: str
    aggregate: str
    source = "measurement"


Binding = ActivityCount | VolunteerHours | RegisterShare | ActiveGroups | SurveyShare | Measured


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def binding_of(kpi: KpiDefinition) -> Binding:
    spec = kpi.source_binding or {}
    if kpi.source == "survey":
        return SurveyShare(
            survey=str(spec["survey"]),
            question=str(spec["question"]),
            answers=_strings(spec.get("answers", [])),
        )
    if kpi.source == "measurement":
        return Measured(
            code=str(spec.get("measurement", kpi.code)),
            aggregate=str(spec.get("aggregate", "sum")),
        )
    registry = spec.get("registry")
    if registry == "areas":
        return RegisterShare(metric=str(spec["metric"]), months=int(spec.get("months", 3)))
    if registry == "community_groups":
        return ActiveGroups(group_types=_strings(spec.get("group_type", [])))
    if registry == "volunteer_hours":
        return VolunteerHours()
    breakdown = spec.get("breakdown")
    return ActivityCount(
        types=_strings(spec.get("activity_type", [])),
        breakdown=str(breakdown) if breakdown else None,
    )
