"""Domain errors of the survey service, as problem responses."""

from __future__ import annotations

from shared.problems import PROBLEM_BASE, ProblemError


def survey_not_found(code: str) -> ProblemError:
    return ProblemError(404, f"No survey with code {code!r}.", type_=PROBLEM_BASE + "not-found")


def question_not_found(code: str, question: str) -> ProblemError:
    return ProblemError(
        404, f"Survey {code!r} has no question {question!r}.", type_=PROBLEM_BASE + "not-found"
    )


def import_not_found(job_id: str) -> ProblemError:
    return ProblemError(404, f"No import job {job_id!r}.", type_=PROBLEM_BASE + "not-found")
