"""HTTP edges of the published API: who may read, validators, caching and CORS.

Hand-written because they apply to these reads only: Starlette's CORS middleware is app-wide
(the Hub's own resources must not be opened to every origin), and the validators are the
published body's hash and the stored records' change times.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request, Response
from pydantic import BaseModel

from shared.auth import IDENTITY_HEADER, Principal, presented_secret, service_principal
from shared.problems import ProblemError

ANONYMOUS = Principal("anonymous", frozenset())
PUBLIC_MAX_AGE_S = 300

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Cache-Control",
}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since, X-API-Key, Authorization",
    "Access-Control-Max-Age": "86400",
}


def is_public(request: Request) -> bool:
    return bool(getattr(request.app.state.settings, "police_uk_public", True))


async def public_reader(request: Request) -> Principal:
    """Anyone may read when `HUB_POLICE_UK_PUBLIC` is on (as data.police.uk itself), force-wide;
    else the caller needs `activity:read`. Credentials sent anyway are checked (a bad key is a
    401), and a district-limited caller reads only its districts' neighbourhoods."""
    identified = IDENTITY_HEADER.lower() in request.headers
    if is_public(request) and presented_secret(request.headers) is None and not identified:
        return ANONYMOUS
    # The gateway's forwarded identity (or the bootstrap key): its districts limit the reads.
    principal = service_principal(request)
    if not is_public(request) and not principal.allows("activity:read"):
        raise ProblemError(403, "This operation needs the `activity:read` scope.")
    return principal


PublicReader = Annotated[Principal, Depends(public_reader)]


async def cors_on_errors() -> AsyncIterator[None]:
    """Problem answers of these reads carry the CORS headers too (a browser must be able to
    read a 404 from `locate-neighbourhood`)."""
    try:
        yield
    except ProblemError as exc:
        exc.headers = {**exc.headers, **CORS_HEADERS}
        raise


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _etag_matches(header: str, etag: str) -> bool:
    # Weak comparison (RFC 9110 13.1.2): a W/ prefix does not matter for GET.
    offered = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in offered or etag in offered


def _not_modified_since(header: str, last_modified: datetime | None) -> bool:
    if last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False  # an unreadable date is ignored, as RFC 9110 says
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified <= since


def published(request: Request, value: Any, changed_at: Sequence[datetime | None] = ()) -> Response:
    """The JSON answer with its validators; a 304 when the client's copy is current."""
    body = orjson.dumps(_jsonable(value))
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    moments = [m.astimezone(UTC).replace(microsecond=0) for m in changed_at if m is not None]
    last_modified = max(moments) if moments else None
    principal = getattr(request.state, "principal", None)
    # A district-limited caller's answer is its own: never kept by a shared cache.
    shared = is_public(request) and getattr(principal, "districts", None) is None
    headers = {
        **CORS_HEADERS,
        "ETag": etag,
        "Cache-Control": f"public, max-age={PUBLIC_MAX_AGE_S}" if shared else "private, no-cache",
    }
    if not shared:
        headers["Vary"] = "X-API-Key, Authorization"
    if last_modified is not None:
        headers["Last-Modified"] = format_datetime(last_modified, usegmt=True)
    if_none_match = request.headers.get("if-none-match")
    if_modified_since = request.headers.get("if-modified-since")
    # If-None-Match decides when sent; If-Modified-Since only without it (RFC 9110 13.2.2).
    if if_none_match is not None:
        fresh = _etag_matches(if_none_match, etag)
    else:
        fresh = if_modified_since is not None and _not_modified_since(
            if_modified_since, last_modified
        )
    if fresh:
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)


def preflight() -> Response:
    return Response(status_code=204, headers=PREFLIGHT_HEADERS)
