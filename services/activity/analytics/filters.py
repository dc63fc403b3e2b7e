"""Filters of the log (list, export, aggregates), as query parameters and as SQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import Depends, Query

from services.activity.activities.repository import ACTIVITY
from services.activity.activities.values import LONDON
from services.activity.analytics.search import search_condition, search_words, topic_condition
from services.activity.deps import Reader
from services.activity.districts import in_districts
from shared.bounds import PlausibleDate
from shared.contracts.activity import AggregateDimension
from shared.contracts.taxonomy import (
    ActivityStatus,
    ActivityType,
    Classification,
    Directorate,
    ReviewState,
    Topic,
)
from shared.problems import invalid


def local_midnight(day: date) -> datetime:
    """The UTC instant a local (Europe/London) day starts at."""
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)


@dataclass
class Filters:
    """Filters of the log (all optional, combined with AND); dates are local (Europe/London)."""

    area: str | None = None
    district: str | None = None
    directorate: Directorate | None = None
    activity_type: ActivityType | None = None
    topic: Topic | None = None
    classification: Classification | None = None
    status: ActivityStatus | None = None
    review_state: ReviewState | None = None
    plan_id: uuid.UUID | None = None
    from_: date | None = None
    to: date | None = None
    q: str | None = None
    # The caller's own limit (`Principal.districts`), not a filter it chose: never echoed.
    districts: frozenset[str] | None = None

    def check(self) -> None:
        if self.from_ is not None and self.to is not None and self.to < self.from_:
            raise invalid("query.to", "must not be before `from`")
        if self.q is not None and not search_words(self.q):
            raise invalid("query.q", "give at least one word to search for")

    def applied(self) -> dict[str, str]:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and f.name != "districts":
                out[f.name.rstrip("_")] = str(value)
        return out

    def key(self) -> tuple[Any, ...]:
        """Every filter's value (the caller's districts too): what a statement is built from."""
        return tuple(getattr(self, f.name) for f in fields(self))

    def activity_only(self) -> bool:
        """Whether a filter is set that volunteer hours cannot follow."""
        return any(
            getattr(self, name) is not None
            for name in (
                "directorate",
                "activity_type",
                "topic",
                "classification",
                "review_state",
                "plan_id",
                "q",
            )
        )

    def month_counts_follow(self) -> bool:
        """Whether the monthly counts hold every column these filters need."""
        return all(
            getattr(self, name) is None for name in ("topic", "review_state", "plan_id", "q")
        )

    def equality_conditions(self, table: Any) -> list[Any]:
        """Equality filters on the counting columns, which the activities and the monthly
        count tables share by name."""
        return [
            table.c[column] == str(value)
            for column, value in (
                ("area_code", self.area),
                ("district_code", self.district),
                ("directorate", self.directorate),
                ("activity_type", self.activity_type),
                ("classification", self.classification),
                ("status", self.status),
            )
            if value is not None  # a table without areas is only read with no area asked for
        ] + in_districts(table.c.district_code, self.districts)

    def conditions(self, dialect: str, *, counting: bool = False) -> list[Any]:
        """SQL conditions; `counting` keeps to the columns of the counting index."""
        c = ACTIVITY.c
        out = self.equality_conditions(ACTIVITY)
        if self.review_state is not None:
            out.append(c.review_state == str(self.review_state))
        if self.plan_id is not None:
            out.append(c.plan_id == self.plan_id)
        if self.topic is not None:
            out.append(topic_condition(self.topic))
        # Local days as local dates (what the counting index holds) and as the UTC instants
        # they start and end at (what the newest-first order of lists and exports scans).
        if self.from_ is not None:
            out.append(c.local_date >= self.from_)
            if not counting:
                out.append(c.starts_at >= local_midnight(self.from_))
        if self.to is not None:
            out.append(c.local_date <= self.to)
            if not counting:
                out.append(c.starts_at < local_midnight(self.to + timedelta(days=1)))
        if self.q is not None:
            out.append(search_condition(dialect, search_words(self.q)))
        return out


async def log_filters(
    principal: Reader,
    area: Annotated[str | None, Query(max_length=40)] = None,
    district: Annotated[str | None, Query(max_length=40)] = None,
    directorate: Directorate | None = None,
    activity_type: ActivityType | None = None,
    topic: Topic | None = None,
    classification: Classification | None = None,
    status: ActivityStatus | None = None,
    review_state: ReviewState | None = None,
    plan_id: uuid.UUID | None = None,
    from_: Annotated[
        PlausibleDate | None, Query(alias="from", description="First local day.")
    ] = None,
    to: Annotated[PlausibleDate | None, Query(description="Last local day (inclusive).")] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Full-text search over title, notes, community feedback, closing report "
            "and debrief; every word must match (stemmed, English).",
        ),
    ] = None,
) -> Filters:
    filters = Filters(
        area=area,
        district=district,
        directorate=directorate,
        activity_type=activity_type,
        topic=topic,
        classification=classification,
        status=status,
        review_state=review_state,
        plan_id=plan_id,
        from_=from_,
        to=to,
        q=q,
        districts=principal.districts,
    )
    filters.check()
    return filters  # async for no I/O: FastAPI would hand a plain function to its thread pool


FiltersDep = Annotated[Filters, Depends(log_filters)]


def parse_group_by(group_by: list[str] | None) -> list[AggregateDimension]:
    """`group_by` repeated or comma-separated, each named once (default: period); an unknown
    name is a 422 naming its position."""
    names = [n.strip() for value in group_by or ["period"] for n in value.split(",")]
    dimensions: list[AggregateDimension] = []
    for index, name in enumerate(names):
        try:
            dimension = AggregateDimension(name)
        except ValueError as exc:
            allowed = ", ".join(d.value for d in AggregateDimension)
            raise invalid(
                f"query.group_by.{index}", f"{name!r} is not one of {allowed}", "enum"
            ) from exc
        if dimension not in dimensions:
            dimensions.append(dimension)
    return dimensions
