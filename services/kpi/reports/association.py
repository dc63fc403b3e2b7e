"""Spearman rank correlation with a 95% interval: engagement per 1,000 residents against the
survey's shares, across areas (section 6). Pure functions; the tests check them against scipy.

The interval is Fisher's z on rho with the Bonett-Wright variance (1 + rho^2/2) / (n - 3),
which keeps its coverage for rank correlations where the Pearson variance 1 / (n - 3) is too
narrow. The p-value is the usual t approximation on the ranks (as scipy's `spearmanr`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from shared.statistics import Z_95, pearson

MIN_AREAS = 4  # below this a rank correlation and its interval say nothing


@dataclass(frozen=True)
class RankCorrelation:
    n: int
    rho: float
    ci_low: float | None
    ci_high: float | None
    p: float


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing the mean of their positions."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        mean_rank = (start + end) / 2 + 1
        for position in range(start, end + 1):
            out[order[position]] = mean_rank
        start = end + 1
    return out


def spearman(x: Sequence[float], y: Sequence[float]) -> RankCorrelation | None:
    """None when there are too few areas or either series is constant."""
    if len(x) != len(y):
        raise ValueError("need two equally long series")
    n = len(x)
    if n < MIN_AREAS:
        return None
    try:
        result = pearson(ranks(x), ranks(y))
    except ValueError:
        return None
    rho = result.r
    if abs(rho) == 1.0:
        return RankCorrelation(n, rho, None, None, result.p)
    half_width = Z_95 * math.sqrt((1 + rho * rho / 2) / (n - 3))
    z = math.atanh(rho)
    return RankCorrelation(n, rho, math.tanh(z - half_width), math.tanh(z + half_width), result.p)
