"""Domain errors of the survey service, as problem responses."""

from __future__ import annotations

from shared.problems import PROBLEM_BASE, ProblemError


def survey_not_found(code: str) -> ProblemError:
    return ProblemError(404, f"No survey with code {code!r}.", type_=PROBLEM_BASE + "not-found")
