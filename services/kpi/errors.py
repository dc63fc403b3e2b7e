"""Domain errors of the KPI service, as problem responses."""

from __future__ import annotations

from shared.problems import PROBLEM_BASE, ProblemError


def kpi_not_found(code: str) -> ProblemError:
    return ProblemError(404, f"No KPI with code {code!r}.", type_=PROBLEM_BASE + "not-found")
