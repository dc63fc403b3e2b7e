"""Periods: month, calendar quarter, year."""

from __future__ import annotations

from datetime import date

import pytest

from services.kpi.calculation.periods import (
    Period,
    PeriodKind,
    latest_complete,
    parse_period,
    periods_between,
)


@pytest.mark.parametrize(
    ("text", "start", "end", "previous"),
    [
        ("2022-09", date(2022, 9, 1), date(2022, 9, 30), "2022-08"),
        ("2022-01", date(2022, 1, 1), date(2022, 1, 31), "2021-12"),
        ("2022-Q3", date(2022, 7, 1), date(2022, 9, 30), "2022-Q2"),
        ("2022-Q1", date(2022, 1, 1), date(2022, 3, 31), "2021-Q4"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "2024-01"),
        ("2022", date(2022, 1, 1), date(2022, 12, 31), "2021"),
    ],
)
def test_periods(text: str, start: date, end: date, previous: str) -> None:
    period = parse_period(text)
    assert (period.start, period.end, period.text) == (start, end, text)
    assert period.previous().text == previous


@pytest.mark.parametrize("text", ["2022-13", "2022-Q5", "22-09", "2022-9", "2022-00", "x", ""])
def test_not_periods(text: str) -> None:
    with pytest.raises(ValueError, match="not a month"):
        parse_period(text)


def test_waves_and_ranges() -> None:
    assert parse_period("2022-08").waves() == ["2022-Q3"]
    assert parse_period("2022").waves() == ["2022-Q1", "2022-Q2", "2022-Q3", "2022-Q4"]
    quarters = periods_between(parse_period("2021-Q4"), parse_period("2022-Q2"))
    assert [q.text for q in quarters] == ["2021-Q4", "2022-Q1", "2022-Q2"]
    assert parse_period("2022").as_kind(PeriodKind.quarter).text == "2022-Q4"


def test_latest_complete_quarter() -> None:
    assert latest_complete(PeriodKind.quarter, date(2022, 10, 1)).text == "2022-Q3"
    assert latest_complete(PeriodKind.quarter, date(2022, 9, 30)).text == "2022-Q2"
    assert latest_complete(PeriodKind.month, date(2022, 1, 15)).text == "2021-12"


def test_shared_periods_are_the_periods_they_name() -> None:
    quarter = parse_period("2022-Q3")
    assert quarter is parse_period("2022-Q3") is quarter.shifted(1).previous()
    assert quarter == Period(2022 * 12 + 6, PeriodKind.quarter)
    assert (quarter.start, quarter.end, quarter.text) == (
        date(2022, 7, 1),
        date(2022, 9, 30),
        "2022-Q3",
    )
