"""Domain errors of the activity service, as problem responses."""

from __future__ import annotations

import uuid

from shared.problems import PROBLEM_BASE, ProblemError


def activity_not_found(activity_id: uuid.UUID) -> ProblemError:
    return ProblemError(
        404, f"No activity with id {activity_id}.", type_=PROBLEM_BASE + "not-found"
    )


def client_id_conflict(activity_id: uuid.UUID) -> ProblemError:
    return ProblemError(
        409,
        f"An activity with id {activity_id} already exists with a different body. "
        "Use a new id for a new activity, or PATCH the existing one.",
        type_=PROBLEM_BASE + "id-conflict",
    )


def idempotency_key_reused() -> ProblemError:
    return ProblemError(
        422,
        "This Idempotency-Key was already used with a different request body.",
        title="Unprocessable Content",
        type_=PROBLEM_BASE + "idempotency-key-reused",
    )


def idempotency_in_flight() -> ProblemError:
    return ProblemError(
        409,
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        type_=PROBLEM_BASE + "idempotency-in-flight",
        headers={"Retry-After": "1"},
    )
