"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware on the hot path)."""

from __future__ import annotations

import json
import logging
import re
import time
from collections import deque
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.json_depth import depth_limited
from shared.problems import (
    PROBLEM_MEDIA_TYPE,
    FieldError,
    NulTextError,
    nul_field_errors,
    problem_body,
    validation_problem_body,
)
from shared.requestid import (
    REQUEST_ID_HEADER,
    accept_or_generate,
    reset_request_id,
    set_request_id,
)
from shared.routing import RouteTable

access_log = logging.getLogger("hub.access")
error_log = logging.getLogger("hub.errors")

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_JSON_MEDIA_TYPES = frozenset({"application/json", "application/merge-patch+json"})
# JSON text cannot hold a raw NUL (control characters must be escaped; json.loads refuses a
# raw one), so a string can only get U+0000 through this escape. Looked for in every chunk of
# a JSON body, the only cost on the hot path: ~4 us for a 500-activity batch without
# escapes, ~160 us with some (a batch takes ~20 ms).
_NUL_ESCAPE = b"\\u0000"
# Bytes of the previous chunk kept to find an escape split across two chunks.
_NUL_OVERLAP = len(_NUL_ESCAPE) - 1


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _send_problem(
    send: Send,
    status: int,
    detail: str,
    request_id: str,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> None:
    problem = problem_body(status, detail=detail, instance=instance)
    await _send_problem_body(send, problem, request_id, headers)


async def _send_problem_body(
    send: Send, problem: dict[str, Any], request_id: str, headers: dict[str, str] | None = None
) -> None:
    status: int = problem["status"]
    body = json.dumps(problem).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (REQUEST_ID_HEADER.encode(), request_id.encode()),
                *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestContextMiddleware:
    """Request id in and out, one access-log line per request, body size and media type limits,
    and no NUL characters (U+0000) in text.

    Body limits are enforced while streaming, so an oversized upload is refused without being
    held in memory first.

    NUL: PostgreSQL cannot store it in text (SQLite can), so it is refused for every service
    alike with a 422 naming each field: in the path, in the query, and in JSON bodies. A JSON
    body is watched for the `\\u0000` escape as it streams past; only when one is seen is the
    body parsed here, and if a string or key really holds a NUL the app never gets the whole
    body (`NulTextError` comes out of `receive`, the app's problem handler answers it).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        large_body_paths: Iterable[str | re.Pattern[str]] = (),
        large_body_bytes: int = 0,
        accepted_media_types: Iterable[str] | None = (
            "application/json",
            "application/merge-patch+json",
            "multipart/form-data",
        ),
        refuse_nul_in_json: bool = True,
        routes: RouteTable | None = None,
    ) -> None:
        self.app = app
        # The app's routes: 405 with the path's whole `Allow`, 415 by each operation's media
        # types (None: the app's own routing answers, `accepted` alone checks media types).
        self.routes = routes
        self.max_body_bytes = max_body_bytes
        # Where `large_body_bytes` applies: path prefixes (str) or whole paths (a pattern).
        paths = tuple(large_body_paths)
        self.large_body_prefixes = tuple(p for p in paths if isinstance(p, str))
        self.large_body_patterns = tuple(p for p in paths if not isinstance(p, str))
        self.large_body_bytes = large_body_bytes
        # None: pass any media type through (the gateway leaves that to the services).
        self.accepted = tuple(accepted_media_types) if accepted_media_types is not None else None
        # False where bodies are forwarded as they arrive (the gateway): a chunk already sent on
        # cannot be taken back, so whoever stores the text refuses it.
        self.refuse_nul_in_json = refuse_nul_in_json

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_or_generate(_header(scope, b"x-request-id"))
        token = set_request_id(request_id)
        started = time.perf_counter()
        status_holder = [0]
        try:
            content_type = _content_type(scope) if scope["method"] in _BODY_METHODS else ""
            routed = (
                self.routes.refusal(scope["path"], scope["method"], content_type)
                if self.routes is not None
                else None
            )
            if routed is not None:
                status_holder[0] = routed.status
                await _send_problem(
                    send,
                    routed.status,
                    routed.detail,
                    request_id,
                    routed.headers,
                    _printable(scope["path"]),
                )
                return
            refused = self._refuse(scope, content_type)
            if refused is not None:
                status, detail = refused
                status_holder[0] = status
                await _send_problem(send, status, detail, request_id)
                return
            repeated = (
                self.routes.repeated_query(
                    scope["path"], scope["method"], scope.get("query_string", b"")
                )
                if self.routes is not None
                else []
            )
            if repeated:
                status_holder[0] = 422
                problem = validation_problem_body(
                    [
                        FieldError(
                            field=f"query.{name}",
                            message="given more than once; this parameter takes one value",
                            type="repeated",
                        )
                        for name in repeated
                    ],
                    instance=_printable(scope["path"]),
                )
                await _send_problem_body(send, problem, request_id)
                return
            nul_fields = _nul_in_target(scope)
            if nul_fields:
                status_holder[0] = 422
                problem = validation_problem_body(
                    nul_field_errors(nul_fields), instance=_printable(scope["path"])
                )
                await _send_problem_body(send, problem, request_id)
                return
            limit = self._limit_for(scope["path"])
            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        raise _BodyTooLarge(limit)
                return message

            async def send_with_id(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status_holder[0] = message["status"]
                    headers = list(message.get("headers", []))
                    headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                    message = {**message, "headers": headers}
                await send(message)

            is_json = content_type in _JSON_MEDIA_TYPES
            # Nesting deeper than the parsers can follow is a 422, never a RecursionError.
            receive_body = depth_limited(limited_receive) if is_json else limited_receive
            scan = self.refuse_nul_in_json and is_json
            try:
                app_receive = _NulWatch(receive_body) if scan else receive_body
                await self.app(scope, app_receive, send_with_id)
            except _BodyTooLarge as exc:
                # Normally answered by the app's problem handler; this is for an app without it.
                status_holder[0] = 413
                await _send_problem(send, 413, exc.detail, request_id)
            except NulTextError as exc:
                # Normally answered by the app's problem handler; this is for an app without it.
                if status_holder[0]:
                    raise
                status_holder[0] = 422
                problem = validation_problem_body(exc.errors, instance=_printable(scope["path"]))
                await _send_problem_body(send, problem, request_id)
            except Exception:
                # Answered here, inside the request-id context, so the 500 carries the id;
                # the stack goes to the log, never to the caller.
                error_log.exception("unhandled error on %s %s", scope["method"], scope["path"])
                if status_holder[0]:  # the response had started: nothing left to answer
                    raise
                status_holder[0] = 500
                await _send_problem(
                    send,
                    500,
                    "The server failed to handle this request; quote the request id when "
                    "reporting.",
                    request_id,
                )
        finally:
            if scope["path"] not in ("/healthz", "/readyz"):
                access_log.info(
                    "%s %s %s",
                    scope["method"],
                    scope["path"],
                    status_holder[0],
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status_holder[0],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            reset_request_id(token)

    def _limit_for(self, path: str) -> int:
        if self.large_body_bytes and (
            path.startswith(self.large_body_prefixes)
            or any(p.fullmatch(path) for p in self.large_body_patterns)
        ):
            return self.large_body_bytes
        return self.max_body_bytes

    def _refuse(self, scope: Scope, content_type: str) -> tuple[int, str] | None:
        if scope["method"] not in _BODY_METHODS:
            return None
        length = _header(scope, b"content-length")
        limit = self._limit_for(scope["path"])
        if length is not None and length.isdigit() and int(length) > limit:
            return 413, _BodyTooLarge(limit).detail
        if self.accepted is None or (
            self.routes is not None and self.routes.declares_body(scope["path"], scope["method"])
        ):
            return None  # no check here, or the operation's own media types were checked
        if length == "0" and not content_type:
            return None
        if content_type not in self.accepted:
            shown = content_type or "none"
            return 415, f"Content-Type {shown} is not accepted; send {', '.join(self.accepted)}."
        return None


def _content_type(scope: Scope) -> str:
    """The media type alone, lower case ("" when none was sent)."""
    return (_header(scope, b"content-type") or "").split(";")[0].strip().lower()


def _printable(text: str) -> str:
    """`text` with each NUL written as its escape, for naming where it was."""
    return text.replace("\x00", "\\u0000")


def _nul_in_target(scope: Scope) -> list[tuple[str, bool]]:
    """(field, is_a_name) for each NUL in the path or the query."""
    found: list[tuple[str, bool]] = []
    if "\x00" in scope["path"]:
        found.append(("path", False))
    query: bytes = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        # Parsed as Starlette parses it, so the names are the ones the app would see.
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name:
                found.append((f"query.{_printable(name)}", True))
            elif "\x00" in value:
                found.append((f"query.{name}", False))
    return found


def _nul_fields_in_json(raw: bytes) -> list[tuple[str, bool]]:
    """(field, is_a_key) for each string and object key of the JSON body holding a NUL;
    none when the body is not JSON (the app reports that as it always does)."""
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        return []
    found: list[tuple[str, bool]] = []
    # Iterative: a body may nest deeper than the walk could recurse. Children are pushed in
    # reverse so the fields come out in document order. (Runs only after an escape was seen.)
    stack: list[tuple[str, Any]] = [("body", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                found.append((_printable(path), False))
        elif isinstance(value, dict):
            for key in value:
                if "\x00" in key:
                    found.append((_printable(f"{path}.{key}"), True))
            stack.extend((f"{path}.{key}", item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}", value[i]) for i in range(len(value) - 1, -1, -1))
    return found


class _NulWatch:
    """`receive` for a JSON body: hands each chunk on as it comes, unless it shows the NUL
    escape; then it and the rest of the body wait here until the whole body has been parsed."""

    __slots__ = ("_passed", "_pending", "_receive", "_tail")

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._passed: list[bytes] = []  # chunks handed on (references, for the rare re-parse)
        self._tail = b""  # the last bytes seen, for an escape split across two chunks
        self._pending: deque[Message] = deque()  # held back, then found harmless

    async def __call__(self) -> Message:
        if self._pending:
            return self._pending.popleft()
        message = await self._receive()
        if message["type"] != "http.request":
            return message
        body: bytes = message.get("body", b"")
        tail = self._tail
        # A backslash first: a memchr scan (~15x faster than the substring search), and most
        # chunks hold no escape at all.
        if (b"\\" in body and _NUL_ESCAPE in body) or (
            tail and _NUL_ESCAPE in tail + body[:_NUL_OVERLAP]
        ):
            return await self._hold_back(message)
        if message.get("more_body", False):
            self._passed.append(body)
            last = (tail + body if len(body) < _NUL_OVERLAP else body)[-_NUL_OVERLAP:]
            self._tail = last if b"\\" in last else b""  # no backslash: nothing to complete
        else:
            self._passed.clear()  # the body is complete: hold no references past it
        return message

    async def _hold_back(self, first: Message) -> Message:
        held = [first]
        while held[-1]["type"] == "http.request" and held[-1].get("more_body", False):
            held.append(await self._receive())
        chunks = [*self._passed]
        chunks += (m.get("body", b"") for m in held if m["type"] == "http.request")
        self._passed.clear()
        fields = _nul_fields_in_json(b"".join(chunks))
        if fields:
            # Out of the app's body reading (see NulTextError): the app never gets the body.
            raise NulTextError(nul_field_errors(fields))
        # No NUL after all (an escaped backslash before `u0000`), or not JSON at all (the app
        # reports that as always): the app gets every message as it came, each byte once.
        self._pending.extend(held[1:])
        return first


class _BodyTooLarge(StarletteHTTPException):
    """An HTTPException, for the reason NulTextError is one: raised from `receive` while FastAPI
    reads the body, any other exception would become a 400 (a chunked body has no
    Content-Length to refuse it by up front)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body exceeds {limit} bytes.")
