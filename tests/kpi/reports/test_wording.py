"""The wording rules (GSS/ONS guidance), pinned on figures made here."""

from __future__ import annotations

from typing import Any

import pytest

from services.kpi.reports import wording
from services.kpi.reports.schemas import Finding


def change(**overrides: Any) -> Finding:
    figures: dict[str, Any] = {
        "key": "k",
        "label": "Yes",
        "kind": "previous_quarter",
        "share": 0.45,
        "baseline_share": 0.30,
        "difference_pp": 15.0,
        "p": 0.00001,
        "significant": True,
        "comparable": True,
        "reason": None,
        "source": "survey: changes",
    }
    figures.update(overrides)
    return wording.change_finding(**figures)


def test_a_significant_rise_is_an_increase_with_its_figures() -> None:
    finding = change()
    assert finding.sentence == (
        "The share answering 'Yes' increased from 30.0% to 45.0% compared with the previous "
        "quarter (a 15.0 percentage point rise, statistically significant; p < 0.001)."
    )
    assert finding.headline
    assert finding.evidence.significant is True
    assert finding.evidence.p == pytest.approx(0.00001)
    assert finding.evidence.test
    assert "z-test" in finding.evidence.test


def test_a_significant_fall_is_a_decrease() -> None:
    finding = change(share=0.30, baseline_share=0.45, difference_pp=-15.0, p=0.0123)
    assert " decreased from 45.0% to 30.0% " in finding.sentence
    assert "(a 15.0 percentage point fall, statistically significant; p = 0.012)" in (
        finding.sentence
    )


def test_a_non_significant_fall_did_not_change_significantly() -> None:
    finding = change(
        share=0.352, baseline_share=0.40, difference_pp=-4.8, p=0.117, significant=False
    )
    assert finding.sentence == (
        "The share answering 'Yes' did not change significantly compared with the previous "
        "quarter (the 4.8 percentage point fall was not statistically significant; p = 0.117)."
    )
    assert "decreased" not in finding.sentence
    assert not finding.headline


def test_a_large_difference_that_is_not_significant_is_never_called_a_change() -> None:
    # Low bases: a 12-point rise that the test does not find significant.
    finding = change(difference_pp=12.0, share=0.52, baseline_share=0.40, p=0.08, significant=False)
    assert "increased" not in finding.sentence
    assert "the 12.0 percentage point rise was not statistically significant" in finding.sentence


def test_no_comparison_without_a_comparable_period() -> None:
    finding = change(
        comparable=False, share=None, difference_pp=None, p=None, reason="a base under 50"
    )
    assert finding.kind == "no_data"
    assert finding.sentence.endswith(
        "cannot be compared with the previous quarter: a base under 50."
    )


def test_the_question_is_named_when_given() -> None:
    finding = change(question="the 'have your say' question")
    assert finding.sentence.startswith(
        "The share answering 'Yes' to the 'have your say' question increased"
    )


def estimate(**overrides: Any) -> Finding:
    figures: dict[str, Any] = {
        "key": "k",
        "label": "Yes",
        "wave": "2022-Q3",
        "share": 0.5,
        "ci_low": 0.4,
        "ci_high": 0.6,
        "base_n": 500,
        "suppressed": False,
        "low_base": False,
        "source": "s",
    }
    figures.update(overrides)
    return wording.estimate_finding(**figures)


def test_an_estimate_always_comes_with_its_interval() -> None:
    finding = estimate(label="Fairly well informed", share=0.352, ci_low=0.311, ci_high=0.395)
    assert finding.sentence == (
        "In Q3 2022, 35.2% (95% CI 31.1% to 39.5%) answered 'Fairly well informed' "
        "(base 500 responses)."
    )


def test_a_low_base_is_flagged() -> None:
    finding = estimate(base_n=80, low_base=True)
    assert "The base is low (80 responses): treat it with caution." in finding.sentence


def test_a_suppressed_base_shows_no_estimate() -> None:
    finding = estimate(
        share=None, ci_low=None, ci_high=None, base_n=40, suppressed=True, low_base=True
    )
    assert finding.kind == "data_quality"
    assert finding.sentence == (
        "The share answering 'Yes' in Q3 2022 is not shown: the base of 40 responses is below "
        "the 50 needed to publish an estimate."
    )
    assert "%" not in finding.sentence


def test_no_data_is_said_not_shown_as_zero() -> None:
    finding = estimate(
        share=None, ci_low=None, ci_high=None, base_n=0, suppressed=True, low_base=True
    )
    assert finding.kind == "no_data"
    assert finding.sentence == "There is no data for 'Yes' in Q3 2022."


def record(**overrides: Any) -> Finding | None:
    figures: dict[str, Any] = {
        "key": "k",
        "label": "Not very well informed",
        "latest_wave": "2022-Q3",
        "latest_share": 0.56,
        "first_wave": "2014-Q1",
        "record_high": True,
        "record_low": False,
        "last_higher_wave": None,
        "last_lower_wave": "2022-Q2",
        "source": "survey: trend",
    }
    figures.update(overrides)
    return wording.record_finding(**figures)


def test_a_record_high_is_the_highest_since_the_series_began() -> None:
    finding = record()
    assert finding is not None
    assert finding.sentence == (
        "The share answering 'Not very well informed' in Q3 2022 (56.0%) was the highest "
        "recorded since the series began in 2014."
    )
    assert finding.evidence.figures["record_high"] is True


def test_highest_since_2014_only_when_it_is_true_of_the_series() -> None:
    # Higher in 2019-Q2: "the highest since Q2 2019", never "since 2014".
    finding = record(record_high=False, last_higher_wave="2019-Q2")
    assert finding is not None
    assert "2014" not in finding.sentence
    assert finding.sentence.endswith("was the highest since Q2 2019.")
    assert not finding.headline
    # Higher only two quarters ago: nothing worth a sentence.
    assert record(record_high=False, last_higher_wave="2022-Q1", last_lower_wave="2022-Q2") is None


def test_a_record_low_and_no_record_for_a_suppressed_latest_wave() -> None:
    low = record(
        record_high=False, record_low=True, last_lower_wave=None, last_higher_wave="2022-Q2"
    )
    assert low is not None
    assert "was the lowest recorded since the series began in 2014" in low.sentence
    assert record(latest_share=None, record_high=None, record_low=None) is None


def test_a_significant_trend_gives_its_slope_and_no_trend_says_so() -> None:
    falling = wording.trend_finding(
        key="k",
        label="Fairly well informed",
        trend="decreasing",
        slope_pp_per_year=-1.84,
        p=0.0004,
        waves=35,
        first_wave="2014-Q1",
        last_wave="2022-Q3",
        source="s",
    )
    assert falling.sentence == (
        "The share answering 'Fairly well informed' shows a statistically significant downward "
        "trend from Q1 2014 to Q3 2022 (Mann-Kendall p < 0.001), falling by about 1.8 "
        "percentage points a year."
    )
    flat = wording.trend_finding(
        key="k",
        label="Yes",
        trend="no trend",
        slope_pp_per_year=0.2,
        p=0.41,
        waves=35,
        first_wave="2014-Q1",
        last_wave="2022-Q3",
        source="s",
    )
    assert "no statistically significant trend" in flat.sentence
    assert "rising" not in flat.sentence


def test_correlations_and_associations_are_never_causes() -> None:
    correlated = wording.correlation_finding(
        key="k",
        label_a="Fairly well informed",
        label_b="Not very well informed",
        r=-0.82,
        p=0.0001,
        significant=True,
        waves=35,
        source="s",
    )
    associated = wording.association_finding(
        key="k",
        measure="two-way engagement per 1,000 residents",
        outcome="the share feeling informed",
        level="district",
        areas=12,
        rho=0.61,
        ci_low=0.05,
        ci_high=0.88,
        p=0.035,
        source="s",
    )
    for finding in (correlated, associated):
        assert "not evidence that one causes the other" in finding.sentence
        for causal in ("caused by", "because", "led to", "drives", "due to", "attributed"):
            assert causal not in finding.sentence
    assert "95% CI 0.05 to 0.88" in associated.sentence
    assert associated.sentence.startswith("Districts with more two-way engagement")


def test_too_few_areas_for_an_association() -> None:
    finding = wording.association_finding(
        key="k",
        measure="m",
        outcome="o",
        level="district",
        areas=3,
        rho=None,
        ci_low=None,
        ci_high=None,
        p=None,
        source="s",
    )
    assert finding.kind == "no_data"
    assert "it needs at least 4 districts with both figures (3 here)" in finding.sentence


@pytest.mark.parametrize(
    ("p", "text"), [(0.0004, "p < 0.001"), (0.001, "p = 0.001"), (0.0456, "p = 0.046")]
)
def test_p_values(p: float, text: str) -> None:
    assert wording.p_value(p) == text
