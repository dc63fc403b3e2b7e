"""Reporting periods: a month `2022-09`, a calendar quarter `2022-Q3` or a year `2022`.

Periods are reckoned in local time (Europe/London): a period is a range of local dates.
Hand-written because the Hub's period notation is its own (no library parses `2022-Q3`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

from shared.problems import invalid

LONDON = ZoneInfo("Europe/London")
# Years 1900-2100, as every date of the Hub (`shared.bounds`): year 0 has no calendar.
_PERIOD_RE = re.compile(
    r"^(?P<year>19\d{2}|20\d{2}|2100)(?:-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4])))?$"
)
PERIOD_PATTERN = r"^(19\d{2}|20\d{2}|2100)(-(0[1-9]|1[0-2]|Q[1-4]))?$"
PERIOD_HELP = "a month `2022-09`, a calendar quarter `2022-Q3` or a year `2022`"


class PeriodKind(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


_MONTHS_IN = {PeriodKind.month: 1, PeriodKind.quarter: 3, PeriodKind.year: 12}


@dataclass(frozen=True, order=True)
class Period:
    """A run of whole local months: `first_month` is months since year 0 (Jan = 0). Its
    dates and notation are worked out once (a scorecard asks for them thousands of times)."""

    first_month: int
    kind: PeriodKind

    @property
    def months(self) -> int:
        return _MONTHS_IN[self.kind]

    @cached_property
    def start(self) -> date:
        return date(self.first_month // 12, self.first_month % 12 + 1, 1)

    @cached_property
    def end(self) -> date:
        """The last local day (inclusive)."""
        after = self.first_month + self.months
        return date(after // 12, after % 12 + 1, 1) - timedelta(days=1)

    @cached_property
    def text(self) -> str:
        year, month0 = divmod(self.first_month, 12)
        if self.kind is PeriodKind.month:
            return f"{year:04d}-{month0 + 1:02d}"
        if self.kind is PeriodKind.quarter:
            return f"{year:04d}-Q{month0 // 3 + 1}"
        return f"{year:04d}"

    def __str__(self) -> str:
        return self.text

    def shifted(self, steps: int) -> Period:
        """The period `steps` periods of the same kind later (earlier when negative)."""
        return period_at(self.first_month + steps * self.months, self.kind)

    def previous(self) -> Period:
        return self.shifted(-1)

    def month_periods(self) -> list[Period]:
        return [
            period_at(m, PeriodKind.month) for m in range(self.first_month, self.last_month + 1)
        ]

    @cached_property
    def last_month(self) -> int:
        return self.first_month + self.months - 1

    def contains(self, other: Period) -> bool:
        return self.first_month <= other.first_month and other.last_month <= self.last_month

    def as_kind(self, kind: PeriodKind) -> Period:
        """The period of `kind` holding this period's last month."""
        return period_of_month(self.last_month, kind)

    def waves(self) -> list[str]:
        """Survey waves (calendar quarters) within the period; a month lies in one wave."""
        first = period_of_month(self.first_month, PeriodKind.quarter)
        last = period_of_month(self.last_month, PeriodKind.quarter)
        return [p.text for p in periods_between(first, last)]


@lru_cache(maxsize=16384)  # every month of 1900-2100 in each kind fits
def period_at(first_month: int, kind: PeriodKind) -> Period:
    """The shared `Period` of `first_month` and `kind`: a scorecard builds the same few
    hundred periods thousands of times, and a shared one works out its dates only once."""
    return Period(first_month, kind)


def period_of_month(month_index: int, kind: PeriodKind) -> Period:
    if kind is PeriodKind.month:
        return period_at(month_index, kind)
    size = _MONTHS_IN[kind]
    return period_at(month_index - month_index % size, kind)


def period_of_date(day: date, kind: PeriodKind) -> Period:
    return period_of_month(day.year * 12 + day.month - 1, kind)


def parse_period(text: str) -> Period:
    """A period from its notation; ValueError when it is not one."""
    match = _PERIOD_RE.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not {PERIOD_HELP}")
    year = int(match["year"])
    if match["month"]:
        return period_at(year * 12 + int(match["month"]) - 1, PeriodKind.month)
    if match["quarter"]:
        return period_at(year * 12 + (int(match["quarter"]) - 1) * 3, PeriodKind.quarter)
    return period_at(year * 12, PeriodKind.year)


def period_arg(text: str, field: str) -> Period:
    """A period from a request, or a 422 problem naming `field`."""
    try:
        return parse_period(text)
    except ValueError as exc:
        raise invalid(field, f"{text!r} is not {PERIOD_HELP}", "period") from exc


def periods_between(first: Period, last: Period) -> list[Period]:
    """Every period of `first`'s kind from `first` to `last` inclusive."""
    if first.kind is not last.kind:
        raise ValueError("both ends must be periods of the same kind")
    steps = (last.first_month - first.first_month) // first.months
    return [first.shifted(i) for i in range(steps + 1)]


def london_today(now: datetime | None = None) -> date:
    return (now or datetime.now(LONDON)).astimezone(LONDON).date()


def latest_complete(kind: PeriodKind, today: date | None = None) -> Period:
    """The last period of `kind` that has ended before today (local time)."""
    current = period_of_date(today or london_today(), kind)
    return current.previous()


def check_span(first: Period, last: Period, field: str, most: int) -> list[Period]:
    """The periods from `first` to `last`, refused when reversed or longer than `most`."""
    if last < first:
        raise invalid(field, "must not be before `from`")
    periods = periods_between(first, last)
    if len(periods) > most:
        raise invalid(field, f"at most {most} periods, asked for {len(periods)}", "too_long")
    return periods
