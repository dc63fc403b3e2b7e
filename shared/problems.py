"""RFC 9457 problem details: every error of every service and of the gateway has this shape."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import asyncpg.exceptions
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.requestid import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://engagement-hub.example/problems/"

logger = logging.getLogger("hub.problems")

# The Hub's own type for each status a problem is answered with when the raiser names none
# (credentials, routing, media types, limits): never `about:blank`, so a client can tell a
# Hub problem from a proxy's page by its type alone.
_DEFAULT_TYPES: dict[int, str] = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    410: "gone",
    412: "precondition-failed",
    413: "too-large",
    415: "unsupported-media-type",
    422: "validation",
    428: "precondition-required",
    429: "rate-limited",
    500: "internal-error",
    502: "bad-gateway",
    503: "unavailable",
    504: "upstream-timeout",
}


def default_type(status: int) -> str:
    slug = _DEFAULT_TYPES.get(status) or HTTPStatus(status).phrase.lower().replace(" ", "-")
    return PROBLEM_BASE + slug


class FieldError(BaseModel):
    """One failing field: where it is, and why it failed."""

    field: str = Field(description="Dotted location, e.g. `body.starts_at` or `query.limit`.")
    message: str
    type: str = Field(description="Machine-readable reason, e.g. `missing`, `too_long`.")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description="A URI naming the kind of problem, under "
        "`https://engagement-hub.example/problems/` (e.g. `…/validation`, `…/not-found`)."
    )
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """Raise anywhere to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        title: str | None = None,
        type_: str | None = None,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title or str(status))
        self.status = status
        self.title = title or HTTPStatus(status).phrase
        self.detail = detail
        self.type = type_
        self.errors = list(errors) if errors else None
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


def field_error(field: str, message: str, type_: str = "value_error") -> FieldError:
    return FieldError(field=field, message=message, type=type_)


def invalid(field: str, message: str, type_: str = "value_error") -> ProblemError:
    """A 422 for one field that failed a domain rule."""
    return ProblemError(
        422,
        f"{field}: {message}",
        title="Unprocessable Content",
        type_=PROBLEM_BASE + "validation",
        errors=[field_error(field, message, type_)],
    )


# Text with U+0000 in it: SQLite would store it, PostgreSQL refuses it (text cannot hold NUL).
# Refused for every service alike, so what a client may send does not depend on the backend.
NUL_TEXT_MESSAGE = "text must not contain the NUL character (U+0000)"
NUL_KEY_MESSAGE = "names must not contain the NUL character (U+0000)"
NUL_TEXT_TYPE = "string_nul"
# At most this many fields are listed (a body may hold thousands of strings).
MAX_NUL_FIELDS = 100


def nul_field_errors(fields: Sequence[tuple[str, bool]]) -> list[FieldError]:
    """One error per (field, is_an_object_key) that holds a NUL."""
    return [
        FieldError(
            field=field, message=NUL_KEY_MESSAGE if key else NUL_TEXT_MESSAGE, type=NUL_TEXT_TYPE
        )
        for field, key in fields[:MAX_NUL_FIELDS]
    ]


class NulTextError(StarletteHTTPException):
    """A request holds text with a NUL character: a 422 naming each field, nothing stored.

    An HTTPException because FastAPI lets those out of its body reading unchanged (any other
    exception raised while it reads the body becomes a 400), so the middleware can raise it
    from `receive` and the app's problem handler answers it.
    """

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__(422, _validation_detail(errors))
        self.errors = list(errors)


def _validation_detail(errors: Sequence[FieldError]) -> str:
    return "; ".join(f"{e.field}: {e.message}" for e in errors[:5])


def validation_problem_body(
    errors: Sequence[FieldError], *, instance: str | None = None
) -> dict[str, Any]:
    """The 422 problem of failed validation, as the services answer it."""
    return problem_body(
        422,
        title="Unprocessable Content",
        type_=PROBLEM_BASE + "validation",
        detail=_validation_detail(errors),
        instance=instance,
        errors=errors,
    )


def problem_body(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    type_: str | None = None,
    instance: str | None = None,
    errors: Sequence[FieldError] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_ or default_type(status),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = [e.model_dump() for e in errors]
    if extra:
        body.update(extra)
    return body


def problem_response(
    status: int,
    *,
    headers: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, **kwargs),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def _loc_to_field(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    out: list[FieldError] = []
    for err in exc.errors():
        kind = str(err.get("type", "value_error"))
        message = str(err.get("msg", "invalid value"))
        loc: Sequence[Any] = err.get("loc", ())
        if kind == "extra_forbidden":
            message = "unknown field (not part of this resource)"
        elif kind == "json_invalid":
            # FastAPI puts the character offset of the decode error in `loc` (`body`, 10):
            # the failing field is the body itself; the offset belongs in the message.
            ctx = err.get("ctx") or {}
            reason = ctx.get("error", message)
            position = next((part for part in loc[1:] if isinstance(part, int)), None)
            where = f" at character {position}" if position is not None else ""
            message = f"malformed JSON{where}: {reason}"
            loc = loc[:1] or ("body",)
        out.append(FieldError(field=_loc_to_field(loc), message=message, type=kind))
    return out


async def _handle_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        exc.status,
        title=exc.title,
        detail=exc.detail,
        type_=exc.type,
        instance=request.url.path,
        errors=exc.errors,
        headers=exc.headers,
        extra=exc.extra,
    )


async def _handle_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc)
    return _validation_response(request, errors)


def _validation_response(request: Request, errors: Sequence[FieldError]) -> JSONResponse:
    return JSONResponse(
        validation_problem_body(errors, instance=request.url.path),
        status_code=422,
        media_type=PROBLEM_MEDIA_TYPE,
    )


async def _handle_nul_text(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NulTextError)
    return _validation_response(request, exc.errors)


async def _handle_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail: str | None = exc.detail if isinstance(exc.detail, str) else None
    if detail == HTTPStatus(exc.status_code).phrase:
        detail = None
    if exc.status_code == 404 and detail is None:
        detail = f"No resource at {request.url.path}"
    if exc.status_code == 405 and detail is None:
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem_response(
        exc.status_code,
        detail=detail,
        instance=request.url.path,
        headers=getattr(exc, "headers", None),
    )


def is_database_locked(exc: BaseException) -> bool:
    """SQLite gave up waiting for another writer (after its busy timeout)."""
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig).lower()


async def _handle_operational(request: Request, exc: Exception) -> JSONResponse:
    if not is_database_locked(exc):
        raise exc  # any other database failure is a 500, handled as every unexpected error
    # A writer of another process held the SQLite file past the busy timeout: a transient
    # condition (the transaction was rolled back, nothing stored), so say when to come back.
    logger.warning("database is locked on %s %s", request.method, request.url.path)
    return problem_response(
        503,
        title="Service Unavailable",
        type_=PROBLEM_BASE + "database-busy",
        detail="The database is busy with another writer; nothing was stored. Retry shortly.",
        instance=request.url.path,
        headers={"Retry-After": "1"},
    )


# SQLSTATEs of text PostgreSQL cannot store: 22021 (character_not_in_repertoire: a NUL in
# text, "invalid byte sequence for encoding UTF8: 0x00") and 22P05 (untranslatable_character:
# \u0000 in jsonb).
_UNSTORABLE_TEXT_SQLSTATES = frozenset({"22021", "22P05"})


def is_unstorable_text(exc: BaseException) -> bool:
    """PostgreSQL refused text it cannot hold (in practice: a NUL character).

    The statement failed as a whole, so nothing of it was stored. Looked for on the driver
    error itself (asyncpg on a driver connection) and on what SQLAlchemy wraps (`orig`, causes).
    """
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if getattr(seen, "sqlstate", None) in _UNSTORABLE_TEXT_SQLSTATES:
            return True
        orig = getattr(seen, "orig", None)
        seen = orig if isinstance(orig, BaseException) else seen.__cause__
    return False


async def _handle_unstorable_text(request: Request, exc: Exception) -> JSONResponse:
    if not is_unstorable_text(exc):
        raise exc  # any other database failure is a 500, handled as every unexpected error
    # A safety net: the middleware refuses NUL in JSON bodies, queries and paths before any
    # of this runs; text arriving another way (a form, a file) still gets a 422, not a 500.
    # The transaction was rolled back (or the single statement failed): nothing stored.
    logger.warning(
        "text with NUL refused by the database on %s %s", request.method, request.url.path
    )
    field = "body" if request.method in ("POST", "PUT", "PATCH") else "query"
    return _validation_response(request, nul_field_errors([(field, False)]))


async def _handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Logged with the stack for operators; the caller only sees the request id.
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        500,
        detail="The server failed to handle this request; quote the request id when reporting.",
        instance=request.url.path,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _handle_problem)
    app.add_exception_handler(RequestValidationError, _handle_validation)
    app.add_exception_handler(StarletteHTTPException, _handle_http)
    app.add_exception_handler(NulTextError, _handle_nul_text)
    app.add_exception_handler(OperationalError, _handle_operational)
    # Wrapped by SQLAlchemy (ORM / Core) or raised by asyncpg itself (driver connections).
    app.add_exception_handler(DBAPIError, _handle_unstorable_text)
    app.add_exception_handler(
        asyncpg.exceptions.CharacterNotInRepertoireError, _handle_unstorable_text
    )
    app.add_exception_handler(
        asyncpg.exceptions.UntranslatableCharacterError, _handle_unstorable_text
    )
    app.add_exception_handler(Exception, _handle_unexpected)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": desc}
    for status, desc in {
        401: "Missing or wrong credentials.",
        403: "The credentials lack the scope for this operation.",
        422: "The request failed validation; `errors` names each field and why.",
    }.items()
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the given problem statuses."""
    out = dict(PROBLEM_RESPONSES)
    for status in statuses:
        out[status] = {
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {}},
            "description": HTTPStatus(status).phrase,
        }
    return out
