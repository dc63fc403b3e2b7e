"""Report periods: `2022-09` (month), `2022-Q3` (calendar quarter), `2022` (year).

Periods are reckoned in local time (Europe/London): the first and last local day, and the
survey waves (calendar quarters) that fall in them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from shared.contracts.survey import wave_index, wave_of_date, wave_range

PERIOD_PATTERN = r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$"
_PERIOD_RE = re.compile(PERIOD_PATTERN)


@dataclass(frozen=True)
class Period:
    text: str
    kind: str  # month | quarter | year
    first_day: date
    last_day: date

    @property
    def waves(self) -> list[str]:
        return wave_range(wave_of_date(self.first_day), wave_of_date(self.last_day))

    @property
    def last_wave(self) -> str:
        return wave_of_date(self.last_day)

    @property
    def first_wave(self) -> str:
        return wave_of_date(self.first_day)

    def months(self) -> list[str]:
        out, day = [], self.first_day
        while day <= self.last_day:
            out.append(f"{day.year:04d}-{day.month:02d}")
            day = _month_after(day)
        return out


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def parse_period(text: str) -> Period:
    if not _PERIOD_RE.match(text):
        raise ValueError(f"{text!r} is not a period (2022-09, 2022-Q3 or 2022)")
    year = int(text[:4])
    if len(text) == 4:
        return Period(text, "year", date(year, 1, 1), date(year, 12, 31))
    if text[5] == "Q":
        first = date(year, (wave_index(text) % 4) * 3 + 1, 1)
        last = _month_after(_month_after(_month_after(first))) - timedelta(days=1)
        return Period(text, "quarter", first, last)
    first = date(year, int(text[5:7]), 1)
    return Period(text, "month", first, _month_after(first) - timedelta(days=1))


def wave_words(wave: str) -> str:
    """`2022-Q3` -> `Q3 2022`, as statistical releases write a quarter."""
    return f"{wave[5:]} {wave[:4]}"
