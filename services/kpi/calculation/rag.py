"""The RAG rule (published as `shared.contracts.kpi.RAG_RULE`): pure."""

from __future__ import annotations

from shared.contracts.kpi import Rag


def rag_status(
    value: float | None,
    target: float | None,
    tolerance: float,
    direction: str,
    *,
    ci_low: float | None = None,
    ci_high: float | None = None,
    survey: bool = False,
) -> Rag | None:
    """Green meets the target (survey KPIs: the whole interval does), amber misses it by no
    more than the tolerance (or meets it while the interval does not), red misses by more."""
    if value is None or target is None:
        return None
    if direction == "higher_is_better":
        meets = value >= target
        interval_meets = ci_low is not None and ci_low >= target
        within = value >= target - tolerance
    elif direction == "lower_is_better":
        meets = value <= target
        interval_meets = ci_high is not None and ci_high <= target
        within = value <= target + tolerance
    else:
        return None
    if meets and (interval_meets or not survey):
        return Rag.green
    if meets or within:
        return Rag.amber
    return Rag.red
