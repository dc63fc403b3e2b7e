"""Domain errors of the activity service, as problem responses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import ValidationError

from shared.problems import PROBLEM_BASE, ProblemError, field_error


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


def activity_deleted(activity_id: uuid.UUID, deleted_at: datetime) -> ProblemError:
    """A create naming the id of an activity that was deleted since: it is gone for good."""
    when = deleted_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return ProblemError(
        410,
        f"The activity with id {activity_id} was deleted at {when}; it is not stored again. "
        "Use a new id to log a new activity.",
        type_=PROBLEM_BASE + "activity-deleted",
        extra={"deleted_at": when},
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


def validation_problem(exc: ValidationError, prefix: str = "body") -> ProblemError:
    """A 422 naming every failing field of a model validated outside FastAPI's own parsing."""
    field_errors = []
    for err in exc.errors():
        kind = str(err.get("type", "value_error"))
        message = str(err.get("msg", "invalid value"))
        if kind == "extra_forbidden":
            message = "unknown field (not part of this resource)"
        loc = ".".join(str(part) for part in (prefix, *err.get("loc", ())) if part != "")
        field_errors.append(field_error(loc, message, kind))
    detail = "; ".join(f"{e.field}: {e.message}" for e in field_errors[:5])
    return ProblemError(
        422,
        detail,
        title="Unprocessable Content",
        type_=PROBLEM_BASE + "validation",
        errors=field_errors,
    )


def not_found(what: str, key: object) -> ProblemError:
    return ProblemError(404, f"No {what} {key}.", type_=PROBLEM_BASE + "not-found")


def already_exists(what: str, key: object) -> ProblemError:
    return ProblemError(409, f"{what} {key} already exists.", type_=PROBLEM_BASE + "conflict")


def if_match_required() -> ProblemError:
    return ProblemError(
        428,
        "Send `If-Match` with the ETag you last read, so a change never overwrites one you "
        "have not seen.",
        type_=PROBLEM_BASE + "precondition-required",
    )


def stale_etag(current: str, what: str = "activity") -> ProblemError:
    return ProblemError(
        412,
        f"The {what} changed since you read it (current ETag {current}); read it again and "
        "reapply your change.",
        type_=PROBLEM_BASE + "precondition-failed",
        headers={"ETag": current},
    )
