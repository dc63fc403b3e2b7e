"""Contract of `GET /api/v1/activities/aggregate`: what the KPI service asks and gets back.

Counting rules (published): an activity counts once per group it falls in, by the local
(Europe/London) date of its start; deleted activities never count; only completed activities
count unless `status` asks for planned or cancelled ones. Grouped by `topic`, an activity
counts once under each of its topics (so topic groups may add up to more than the total);
activities without a topic fall under `null`, as those without a recorded purpose do when
grouped by `purpose`. Volunteer hours come from the citizens-in-policing register, which is
kept per month and area: they are given only when every grouping is one of `period`,
`district`, `area` (otherwise `null`), and only when no activity-only filter is set.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.bounds import PlausibleDate


class AggregatePeriod(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


class AggregateDimension(StrEnum):
    period = "period"
    district = "district"
    area = "area"
    directorate = "directorate"
    activity_type = "activity_type"
    classification = "classification"
    purpose = "purpose"
    channel = "channel"
    topic = "topic"


class AggregateQuery(BaseModel):
    """The query of `GET /api/v1/activities/aggregate`, as a client builds it."""

    model_config = ConfigDict(populate_by_name=True)

    group_by: list[AggregateDimension] = Field(default_factory=lambda: [AggregateDimension.period])
    period: AggregatePeriod = AggregatePeriod.month
    from_: PlausibleDate | None = Field(default=None, alias="from", description="First local day.")
    to: PlausibleDate | None = Field(default=None, description="Last local day (inclusive).")
    status: str | None = Field(default=None, description="Default: completed only.")
    area: str | None = None
    district: str | None = None
    directorate: str | None = None
    activity_type: str | None = None
    classification: str | None = None
    topic: str | None = None

    def params(self) -> dict[str, str]:
        """Query-string parameters for an HTTP client."""
        out = {
            "group_by": ",".join(d.value for d in self.group_by),
            "period": self.period.value,
        }
        for name, value in self.model_dump(by_alias=True, exclude={"group_by", "period"}).items():
            if value is not None:
                out[name] = value.isoformat() if isinstance(value, date) else str(value)
        return out


# Dimensions that volunteer hours are kept by.
VOLUNTEER_DIMENSIONS: frozenset[AggregateDimension] = frozenset(
    {AggregateDimension.period, AggregateDimension.district, AggregateDimension.area}
)


class AggregateRow(BaseModel):
    """One group: its keys and its totals. Keys not grouped by are null (a `topic` of null
    when grouped by topic means "no topic")."""

    period: str | None = Field(
        default=None, description="`2022-09`, `2022-Q3` or `2022` (Europe/London local time)."
    )
    district: str | None = None
    area: str | None = None
    directorate: str | None = None
    activity_type: str | None = None
    classification: str | None = None
    purpose: str | None = Field(
        default=None, description="Grouped by purpose, null means no purpose recorded."
    )
    channel: str | None = None
    topic: str | None = None
    activities: int = Field(description="Number of activities.")
    attendees: int = Field(description="Sum of attendees (activities without a count add 0).")
    young_people: int = Field(description="Sum of young people reached.")
    volunteer_hours: float | None = Field(
        default=None, description="Citizens-in-policing hours; null when not groupable."
    )


class AggregateResponse(BaseModel):
    group_by: list[AggregateDimension]
    period: AggregatePeriod
    filters: dict[str, str] = Field(default_factory=dict, description="Filters as applied.")
    rows: list[AggregateRow]
    totals: AggregateRow = Field(description="Totals over every row (topic groups not summed).")


class ActionSummary(BaseModel):
    """Contract of `GET /api/v1/actions/summary`: exact counts of "you said, we did" actions.

    An action belongs to its activity: `from`/`to` select actions by the local (Europe/London)
    date of the activity they were raised at; deleted activities' actions never count.
    """

    total: int = Field(ge=0, description="Every action in scope.")
    done: int = Field(ge=0, description="Actions with a done date.")
    open: int = Field(ge=0, description="Actions not done (`total - done`).")
    overdue: int = Field(ge=0, description="Open actions whose due date is before `as_of`.")
    as_of: date = Field(description="The local day `overdue` is judged on (today).")
    filters: dict[str, str] = Field(default_factory=dict, description="Filters as applied.")


class UnreconciledSummary(BaseModel):
    """Contract of `GET /api/v1/activities/unreconciled/summary`: how many planned activities
    are past their date and still neither completed nor cancelled (the list pages them)."""

    unreconciled: int = Field(ge=0, description="Planned activities past their date, unreconciled.")
    as_of: datetime = Field(description='The moment "past" is judged at (now, UTC).')
    filters: dict[str, str] = Field(default_factory=dict, description="Filters as applied.")
