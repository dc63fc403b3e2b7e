"""The published RAG rule at its edges."""

from __future__ import annotations

import pytest

from services.kpi.calculation.rag import rag_status
from shared.contracts.kpi import Rag


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (60.0, Rag.green),
        (60.01, Rag.green),
        (59.99, Rag.amber),
        (55.0, Rag.amber),
        (54.99, Rag.red),
    ],
)
def test_higher_is_better_edges(value: float, expected: Rag) -> None:
    assert rag_status(value, 60.0, 5.0, "higher_is_better") is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(20.0, Rag.green), (19.0, Rag.green), (20.01, Rag.amber), (22.0, Rag.amber), (22.01, Rag.red)],
)
def test_lower_is_better_edges(value: float, expected: Rag) -> None:
    assert rag_status(value, 20.0, 2.0, "lower_is_better") is expected


def test_no_tolerance_means_amber_never_applies() -> None:
    assert rag_status(59.999, 60.0, 0.0, "higher_is_better") is Rag.red
    assert rag_status(60.0, 60.0, 0.0, "higher_is_better") is Rag.green


def test_survey_kpis_are_green_only_when_the_interval_clears_the_target() -> None:
    survey = {"survey": True}
    assert (
        rag_status(62.0, 60.0, 5.0, "higher_is_better", ci_low=60.0, ci_high=64, **survey)
        is Rag.green
    )
    assert (
        rag_status(62.0, 60.0, 5.0, "higher_is_better", ci_low=59.9, ci_high=64, **survey)
        is Rag.amber
    )
    assert (
        rag_status(56.0, 60.0, 5.0, "higher_is_better", ci_low=52, ci_high=60.5, **survey)
        is Rag.amber
    )
    assert (
        rag_status(54.0, 60.0, 5.0, "higher_is_better", ci_low=50, ci_high=58, **survey) is Rag.red
    )
    assert (
        rag_status(18.0, 20.0, 1.0, "lower_is_better", ci_low=16, ci_high=20.0, **survey)
        is Rag.green
    )
    assert (
        rag_status(18.0, 20.0, 1.0, "lower_is_better", ci_low=16, ci_high=20.1, **survey)
        is Rag.amber
    )


def test_no_status_without_value_target_or_direction() -> None:
    assert rag_status(None, 60.0, 5.0, "higher_is_better") is None
    assert rag_status(60.0, None, 5.0, "higher_is_better") is None
    assert rag_status(60.0, 60.0, 5.0, "neutral") is None
