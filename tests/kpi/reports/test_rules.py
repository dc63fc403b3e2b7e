"""Pure rules beside the report: rank correlation, periods, content negotiation."""

from __future__ import annotations

from datetime import date

import pytest
from scipy import stats

from services.kpi.reports.association import ranks, spearman
from services.kpi.reports.negotiation import choose_format
from services.kpi.reports.periods import parse_period
from shared.problems import ProblemError


def test_ranks_share_ties() -> None:
    assert ranks([10, 20, 20, 5]) == [2.0, 3.5, 3.5, 1.0]


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ([0.6, 0.2, 0.625, 0.083, 1.1, 0.4], [0.46, 0.41, 0.47, 0.39, 0.52, 0.40]),
        ([1, 2, 2, 3, 4, 4, 5], [3, 1, 2, 2, 5, 4, 4]),
        ([5, 4, 3, 2, 1.5], [0.1, 0.2, 0.25, 0.3, 0.1]),
    ],
)
def test_spearman_matches_scipy(x: list[float], y: list[float]) -> None:
    ours = spearman(x, y)
    theirs = stats.spearmanr(x, y)
    assert ours is not None
    assert ours.rho == pytest.approx(theirs.statistic, abs=1e-12)
    assert ours.p == pytest.approx(theirs.pvalue, rel=1e-6)
    assert ours.ci_low is not None
    assert ours.ci_high is not None
    assert -1 <= ours.ci_low < ours.rho < ours.ci_high <= 1


def test_spearman_interval_is_fisher_z_with_the_bonett_wright_variance() -> None:
    import math

    x, y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 1, 4, 3, 6, 5, 8, 7, 10, 9]
    ours = spearman(x, y)
    assert ours is not None
    half = 1.959964 * math.sqrt((1 + ours.rho**2 / 2) / (10 - 3))
    assert ours.ci_low == pytest.approx(math.tanh(math.atanh(ours.rho) - half))
    assert ours.ci_high == pytest.approx(math.tanh(math.atanh(ours.rho) + half))


def test_spearman_needs_four_areas_and_variation() -> None:
    assert spearman([1, 2, 3], [3, 2, 1]) is None
    assert spearman([1, 1, 1, 1], [3, 2, 1, 0]) is None


@pytest.mark.parametrize(
    ("text", "kind", "first", "last", "waves"),
    [
        ("2022-Q3", "quarter", date(2022, 7, 1), date(2022, 9, 30), ["2022-Q3"]),
        ("2022-09", "month", date(2022, 9, 1), date(2022, 9, 30), ["2022-Q3"]),
        ("2022-12", "month", date(2022, 12, 1), date(2022, 12, 31), ["2022-Q4"]),
        ("2022", "year", date(2022, 1, 1), date(2022, 12, 31), [f"2022-Q{q}" for q in range(1, 5)]),
    ],
)
def test_periods(text: str, kind: str, first: date, last: date, waves: list[str]) -> None:
    period = parse_period(text)
    assert (period.kind, period.first_day, period.last_day, period.waves) == (
        kind,
        first,
        last,
        waves,
    )


@pytest.mark.parametrize("text", ["2022-Q5", "2022-13", "22-Q3", "2022Q3"])
def test_bad_periods(text: str) -> None:
    with pytest.raises(ValueError, match="is not a period"):
        parse_period(text)


@pytest.mark.parametrize(
    ("format_", "accept", "chosen"),
    [
        (None, None, "html"),
        (None, "*/*", "html"),
        (None, "text/html,application/xhtml+xml,*/*;q=0.8", "html"),
        (None, "application/json", "json"),
        (None, "application/pdf", "pdf"),
        (None, "text/html;q=0.5, application/pdf", "pdf"),
        ("pdf", "application/json", "pdf"),
    ],
)
def test_content_negotiation(format_: str | None, accept: str | None, chosen: str) -> None:
    assert choose_format(format_, accept) == chosen


def test_nothing_acceptable_is_a_406() -> None:
    with pytest.raises(ProblemError) as caught:
        choose_format(None, "text/csv, image/png")
    assert caught.value.status == 406
