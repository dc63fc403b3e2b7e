"""shared.statistics against independent implementations (scipy, statsmodels, pymannkendall)."""

from __future__ import annotations

import math
import random

import numpy as np
import pymannkendall
import pytest
from scipy import special, stats
from statsmodels.stats import proportion as smp

from shared import statistics as st


@pytest.mark.parametrize(
    ("share", "n"), [(0.0, 50), (1.0, 80.5), (0.25, 412.7), (0.56, 1000), (0.03, 61.2)]
)
def test_wilson_matches_statsmodels(share: float, n: float) -> None:
    low, high = st.wilson_interval(share, n)
    ref_low, ref_high = smp.proportion_confint(share * n, n, alpha=0.05, method="wilson")
    assert low == pytest.approx(ref_low, abs=1e-7)
    assert high == pytest.approx(ref_high, abs=1e-7)


@pytest.mark.parametrize(
    ("p1", "n1", "p2", "n2"),
    [(0.45, 480.2, 0.25, 512.9), (0.30, 120, 0.31, 130), (0.5, 60, 0.5, 70), (0.1, 999, 0.2, 51)],
)
def test_two_proportion_z_matches_statsmodels_wald(
    p1: float, n1: float, p2: float, n2: float
) -> None:
    result = st.two_proportion_z(p1, n1, p2, n2)
    ref = smp.test_proportions_2indep(p1 * n1, n1, p2 * n2, n2, method="wald", compare="diff")
    assert result.z == pytest.approx(ref.statistic, rel=1e-9, abs=1e-12)
    assert result.p == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-15)
    assert result.significant == (ref.pvalue < 0.05)


def test_two_proportion_z_degenerate() -> None:
    assert st.two_proportion_z(0.0, 100, 0.0, 100).p == 1.0
    certain = st.two_proportion_z(1.0, 100, 0.0, 100)
    assert certain.p == 0.0
    assert certain.significant


@pytest.mark.parametrize("seed", range(6))
def test_mann_kendall_matches_pymannkendall_with_ties(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(8, 40)
    # Rounded values: many ties, as survey shares of equal counts have.
    values = [round(0.4 - 0.004 * i + rng.gauss(0, 0.03), 2) for i in range(n)]
    ours = st.mann_kendall(values)
    ref = pymannkendall.original_test(values)
    assert ours.s == pytest.approx(ref.s)
    assert ours.var_s == pytest.approx(ref.var_s)
    assert ours.z == pytest.approx(ref.z)
    assert ours.p == pytest.approx(ref.p, rel=1e-9, abs=1e-15)
    assert ours.tau == pytest.approx(ref.Tau)
    assert ours.trend == ref.trend


def test_mann_kendall_all_equal_is_no_trend() -> None:
    result = st.mann_kendall([0.3] * 10)
    assert result.s == 0
    assert result.p == 1.0
    assert result.trend == "no trend"


@pytest.mark.parametrize("seed", range(5))
def test_theil_sen_matches_scipy(seed: int) -> None:
    rng = random.Random(seed)
    x = sorted(rng.sample(range(8000, 8100), 25))
    x = [v / 4 for v in x]
    y = [100 * (0.45 - 0.02 * (v - x[0]) + rng.gauss(0, 0.02)) for v in x]
    slope, intercept = st.theil_sen(x, y)
    ref = stats.theilslopes(y, x)
    assert slope == pytest.approx(ref.slope, rel=1e-12)
    assert intercept == pytest.approx(ref.intercept, rel=1e-9)


@pytest.mark.parametrize(
    ("a", "b", "x"), [(0.5, 0.5, 0.3), (5.0, 0.5, 0.9), (17.0, 0.5, 0.2), (2.5, 3.5, 0.999)]
)
def test_incomplete_beta_matches_scipy(a: float, b: float, x: float) -> None:
    assert st.regularized_incomplete_beta(a, b, x) == pytest.approx(
        special.betainc(a, b, x), rel=1e-10, abs=1e-14
    )


@pytest.mark.parametrize("seed", range(6))
def test_pearson_matches_scipy(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(4, 40)
    x = [rng.random() for _ in range(n)]
    y = [v * rng.uniform(-1, 1) + rng.gauss(0, 0.3) for v in x]
    ours = st.pearson(x, y)
    ref = stats.pearsonr(x, y)
    assert ours.r == pytest.approx(ref.statistic, rel=1e-10)
    assert ours.p == pytest.approx(ref.pvalue, rel=1e-7, abs=1e-14)


@pytest.mark.parametrize("df", [1, 2, 5, 30, 200])
def test_t_p_value_matches_scipy(df: int) -> None:
    for t in (0.0, 0.5, 1.96, 3.2, -7.5):
        assert st.t_two_sided_p(t, df) == pytest.approx(
            2 * stats.t.sf(abs(t), df), rel=1e-9, abs=1e-15
        )


def _numpy_rake(
    counts: np.ndarray, cats: list[np.ndarray], targets: list[dict[str, float]], cap: float
) -> np.ndarray:
    """Independent IPF with trimming, on units (one row per respondent)."""
    units = np.repeat(np.arange(len(counts)), counts.astype(int))
    w = np.ones(len(units))
    for _ in range(500):
        before = w.copy()
        for d, target in enumerate(targets):
            labels = cats[d][units]
            total = sum(target.values())
            for key, value in target.items():
                mask = labels == key
                if mask.any():
                    w[mask] *= (value / total) * w.sum() / w[mask].sum()
        # Trim: capped units at the cap, the rest scaled so that the mean is 1.
        capped = np.zeros(len(w), dtype=bool)
        while True:
            scale = (len(w) - cap * capped.sum()) / w[~capped].sum()
            over = (~capped) & (w * scale > cap)
            if not over.any():
                break
            capped |= over
        w = np.where(capped, cap, w * scale)
        if np.abs(w - before).max() < 1e-12:
            break
    cell_w = np.zeros(len(counts))
    for i in range(len(counts)):
        cell_w[i] = w[units == i][0]
    return cell_w


def test_rake_hits_the_margins_and_matches_an_independent_ipf() -> None:
    rng = random.Random(4)
    ages = ["16-34", "35-64", "65+"]
    sexes = ["female", "male"]
    areas = ["A", "B", "C"]
    keys = [(a, s, r) for a in ages for s in sexes for r in areas]
    # Older respondents over-represented, as in the report's "silent majority" question.
    counts = np.array([rng.randint(5, 15) * (3 if a == "65+" else 1) for a, _, _ in keys])
    age_sex = {f"{a}|{s}": v for a in ages for s, v in zip(sexes, (1.0, 1.1), strict=True)}
    age_sex = {
        k: v * {"16-34": 30, "35-64": 45, "65+": 25}[k.split("|")[0]] for k, v in age_sex.items()
    }
    area = {"A": 50.0, "B": 30.0, "C": 20.0}
    categories = [[f"{a}|{s}", r] for a, s, r in keys]
    result = st.rake(counts.tolist(), categories, [age_sex, area], cap=5.0)
    assert result.converged
    w = np.array(result.weights)
    assert (w <= 5.0 + 1e-9).all()
    assert float((counts * w).sum() / counts.sum()) == pytest.approx(1.0)
    total = float((counts * w).sum())
    for key, value in area.items():
        got = sum(float(counts[i] * w[i]) for i, k in enumerate(keys) if k[2] == key) / total
        assert got == pytest.approx(value / sum(area.values()), abs=1e-7)
    reference = _numpy_rake(
        counts,
        [np.array([f"{a}|{s}" for a, s, _ in keys]), np.array([r for _, _, r in keys])],
        [age_sex, area],
        5.0,
    )
    assert w == pytest.approx(reference, rel=1e-6)


def test_rake_caps_extreme_weights() -> None:
    counts = [200, 2]  # a category needing weight ~50x: capped at 5x the mean
    result = st.rake(counts, [["a"], ["b"]], [{"a": 0.5, "b": 0.5}], cap=5.0)
    mean = (200 * result.weights[0] + 2 * result.weights[1]) / 202
    assert mean == pytest.approx(1.0)
    assert result.weights[1] == pytest.approx(5.0, rel=1e-6)
    assert result.capped_cells == 1


def test_design_effect_is_kish() -> None:
    w = np.array([0.5, 1.0, 1.5, 3.0])
    assert st.design_effect(4, w.sum(), (w**2).sum()) == pytest.approx(
        len(w) * (w**2).sum() / w.sum() ** 2
    )
    assert st.effective_n(w.sum(), (w**2).sum()) == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert math.isclose(st.design_effect(3, 3.0, 3.0), 1.0)
