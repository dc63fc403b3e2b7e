"""Pure statistics for the survey's published counting rules (README, "Survey statistics").

Standard library only (no numpy/scipy at runtime). Every function here is checked in the tests
against an independent implementation (scipy, statsmodels, pymannkendall).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Z_95 = 1.959964
ALPHA = 0.05


def normal_two_sided_p(z: float) -> float:
    """Two-sided p-value of a standard normal statistic."""
    if math.isinf(z):
        return 0.0
    return math.erfc(abs(z) / math.sqrt(2.0))


def wilson_interval(share: float, n: float, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion `share` observed on (effective) sample size `n`."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0.0 <= share <= 1.0:
        raise ValueError("share must be within [0, 1]")
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (share + z2 / (2.0 * n)) / denominator
    half = z * math.sqrt(share * (1.0 - share) / n + z2 / (4.0 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def effective_n(sum_w: float, sum_w2: float) -> float:
    """Kish effective sample size (Σw)²/Σw²."""
    return (sum_w * sum_w) / sum_w2 if sum_w2 > 0 else 0.0


def design_effect(n: float, sum_w: float, sum_w2: float) -> float:
    """Kish design effect of weighting: n·Σw²/(Σw)² (1 when every weight is equal)."""
    return n * sum_w2 / (sum_w * sum_w) if sum_w > 0 else 1.0


@dataclass(frozen=True)
class ZTest:
    difference: float
    z: float
    p: float

    @property
    def significant(self) -> bool:
        return self.p < ALPHA


def two_proportion_z(p1: float, n1: float, p2: float, n2: float) -> ZTest:
    """z = (p1 - p2)/sqrt(p1q1/n1 + p2q2/n2) with (effective) n's; two-sided p."""
    if n1 <= 0 or n2 <= 0:
        raise ValueError("both sample sizes must be positive")
    difference = p1 - p2
    se = math.sqrt(p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2)
    if se == 0.0:
        z = 0.0 if difference == 0.0 else math.copysign(math.inf, difference)
    else:
        z = difference / se
    return ZTest(difference=difference, z=z, p=normal_two_sided_p(z))


@dataclass(frozen=True)
class MannKendall:
    n: int
    s: float
    var_s: float
    z: float
    p: float
    tau: float

    @property
    def trend(self) -> str:
        if self.p < ALPHA:
            return "increasing" if self.z > 0 else "decreasing"
        return "no trend"


def mann_kendall(values: Sequence[float]) -> MannKendall:
    """Mann-Kendall trend test with the tie correction of the variance of S.

    z uses the usual continuity correction ((S-1)/sd for S > 0, (S+1)/sd for S < 0).
    """
    n = len(values)
    if n < 3:
        raise ValueError("the Mann-Kendall test needs at least 3 values")
    s = 0
    for i in range(n - 1):
        vi = values[i]
        for j in range(i + 1, n):
            d = values[j] - vi
            s += (d > 0) - (d < 0)
    counts: dict[float, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    ties = sum(t * (t - 1) * (2 * t + 5) for t in counts.values() if t > 1)
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    if var_s <= 0:
        z = 0.0
    elif s > 0:
        z = (s - 1) / math.sqrt(var_s)
    elif s < 0:
        z = (s + 1) / math.sqrt(var_s)
    else:
        z = 0.0
    tau = s / (0.5 * n * (n - 1))
    return MannKendall(n=n, s=float(s), var_s=var_s, z=z, p=normal_two_sided_p(z), tau=tau)


def _median(values: list[float]) -> float:
    values.sort()
    m = len(values)
    mid = m // 2
    return values[mid] if m % 2 else (values[mid - 1] + values[mid]) / 2.0


def theil_sen(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """Theil-Sen estimator: (slope, intercept); slope = median of pairwise slopes,
    intercept = median(y) - slope·median(x) (as scipy's `theilslopes`)."""
    if len(x) != len(y) or len(x) < 2:
        raise ValueError("need two equally long series of at least 2 points")
    slopes = [
        (y[j] - y[i]) / (x[j] - x[i])
        for i in range(len(x) - 1)
        for j in range(i + 1, len(x))
        if x[j] != x[i]
    ]
    if not slopes:
        raise ValueError("all x values are equal")
    slope = _median(slopes)
    intercept = _median(list(y)) - slope * _median(list(x))
    return slope, intercept


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = tiny if abs(d) < tiny else d
    d = 1.0 / d
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularized incomplete beta function."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_two_sided_p(t: float, df: float) -> float:
    """Two-sided p-value of Student's t with `df` degrees of freedom."""
    if df <= 0:
        raise ValueError("df must be positive")
    if math.isinf(t):
        return 0.0
    return regularized_incomplete_beta(df / 2.0, 0.5, df / (df + t * t))


@dataclass(frozen=True)
class Correlation:
    n: int
    r: float
    p: float


def pearson(x: Sequence[float], y: Sequence[float]) -> Correlation:
    """Pearson's r with the two-sided p of t = rsqrt(n-2)/sqrt(1-r²) on n-2 df."""
    n = len(x)
    if n != len(y) or n < 3:
        raise ValueError("need two equally long series of at least 3 values")
    mx = math.fsum(x) / n
    my = math.fsum(y) / n
    sxy = math.fsum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = math.fsum((a - mx) ** 2 for a in x)
    syy = math.fsum((b - my) ** 2 for b in y)
    if sxx == 0.0 or syy == 0.0:
        raise ValueError("a constant series has no correlation")
    r = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    if abs(r) == 1.0:
        return Correlation(n=n, r=r, p=0.0)
    t = r * math.sqrt((n - 2) / (1.0 - r * r))
    return Correlation(n=n, r=r, p=t_two_sided_p(t, n - 2))


@dataclass(frozen=True)
class RakeResult:
    weights: list[float]
    """One weight per cell (every unit of a cell gets the same weight), mean 1 over units."""
    iterations: int
    converged: bool
    capped_cells: int


def _trim(
    weights: list[float], counts: Sequence[float], total_units: float, cap: float
) -> tuple[list[float], int]:
    """Scale to mean 1 with no weight above `cap`: capped cells sit at the cap, the others share
    the rest in proportion (repeated until no further cell exceeds the cap)."""
    capped = [False] * len(weights)
    scale = 1.0
    while True:
        free = math.fsum(c * w for c, w, k in zip(counts, weights, capped, strict=True) if not k)
        fixed = math.fsum(c * cap for c, k in zip(counts, capped, strict=True) if k)
        scale = (total_units - fixed) / free if free > 0 else 0.0
        newly = False
        for i, w in enumerate(weights):
            if not capped[i] and counts[i] > 0 and w * scale > cap:
                capped[i] = True
                newly = True
        if not newly:
            break
    trimmed = [cap if k else w * scale for w, k in zip(weights, capped, strict=True)]
    return trimmed, sum(capped)


def rake(
    counts: Sequence[float],
    categories: Sequence[Sequence[str | None]],
    targets: Sequence[Mapping[str, float]],
    *,
    cap: float = 5.0,
    max_iterations: int = 200,
    tolerance: float = 1e-8,
) -> RakeResult:
    """Iterative proportional fitting of cell weights to population margins, with weights capped.

    `counts[i]` units share the cells' categories `categories[i][d]` on each dimension `d`;
    `targets[d]` maps a category to its population share (any scale; normalised here).
    Units whose category is not in a dimension's targets (unknown, refused) are not adjusted
    on that dimension. Weights are kept at mean 1 over all units and capped at `cap`x the mean;
    raking and capping alternate until the weights stop changing (when the cap binds, the
    margins are met as closely as the cap allows).
    """
    cells = len(counts)
    dims = len(targets)
    if any(len(c) != dims for c in categories) or len(categories) != cells:
        raise ValueError("every cell needs one category per dimension")
    total_units = math.fsum(counts)
    if total_units <= 0:
        return RakeResult([1.0] * cells, 0, True, 0)
    shares: list[dict[str, float]] = []
    for target in targets:
        total = math.fsum(v for v in target.values() if v > 0)
        if total <= 0:
            raise ValueError("a margin needs a positive total")
        shares.append({k: v / total for k, v in target.items() if v > 0})
    weights = [1.0] * cells
    capped = 0
    converged = False
    iterations = 0
    while iterations < max_iterations:
        iterations += 1
        previous = list(weights)
        for d in range(dims):
            in_margin = [c[d] is not None and c[d] in shares[d] for c in categories]
            covered = math.fsum(counts[i] * weights[i] for i in range(cells) if in_margin[i])
            if covered <= 0:
                continue
            current: dict[str, float] = {}
            for i in range(cells):
                if in_margin[i]:
                    key = categories[i][d]
                    assert key is not None
                    current[key] = current.get(key, 0.0) + counts[i] * weights[i]
            present = math.fsum(v for k, v in shares[d].items() if k in current)
            factors = {
                key: shares[d][key] * covered / (present * value)
                for key, value in current.items()
                if value > 0
            }
            for i in range(cells):
                if in_margin[i]:
                    key = categories[i][d]
                    assert key is not None
                    weights[i] *= factors.get(key, 1.0)
        weights, capped = _trim(weights, counts, total_units, cap)
        if max(abs(w - p) for w, p in zip(weights, previous, strict=True)) < tolerance:
            converged = True
            break
    return RakeResult(weights, iterations, converged, capped)
