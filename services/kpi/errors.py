"""Domain errors of the KPI service, as problem responses."""

from __future__ import annotations

from shared.problems import PROBLEM_BASE, ProblemError


def kpi_not_found(code: str) -> ProblemError:
    return ProblemError(404, f"No KPI with code {code!r}.", type_=PROBLEM_BASE + "not-found")


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


def stale_etag(current: str, what: str) -> ProblemError:
    return ProblemError(
        412,
        f"The {what} changed since you read it (current ETag {current}); read it again and "
        "reapply your change.",
        type_=PROBLEM_BASE + "precondition-failed",
        headers={"ETag": current},
    )


def source_unavailable(reason: str) -> ProblemError:
    """A write that must check something at a source (e.g. an area) while it is down."""
    return ProblemError(
        503,
        f"{reason}; nothing was stored. Retry shortly.",
        type_=PROBLEM_BASE + "source-unavailable",
        headers={"Retry-After": "5"},
    )


def version_etag(version: int) -> str:
    """The ETag of a record at `version` (the activity service's form)."""
    return f'"{version}"'


def etag_offered(if_match: str, current: str) -> bool:
    """Whether an `If-Match` header names the current ETag (or `*`); weak tags compare too."""
    offered = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    return "*" in offered or current in offered


def check_if_match(if_match: str | None, version: int, what: str) -> None:
    """`If-Match` is required for changes: 428 without it, 412 when it is stale."""
    if if_match is None or not if_match.strip():
        raise if_match_required()
    current = version_etag(version)
    if not etag_offered(if_match, current):
        raise stale_etag(current, what)
