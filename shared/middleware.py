"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware on the hot path)."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.problems import PROBLEM_MEDIA_TYPE, problem_body
from shared.requestid import (
    REQUEST_ID_HEADER,
    accept_or_generate,
    reset_request_id,
    set_request_id,
)

access_log = logging.getLogger("hub.access")
error_log = logging.getLogger("hub.errors")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _send_problem(send: Send, status: int, detail: str, request_id: str) -> None:
    body = json.dumps(problem_body(status, detail=detail)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (REQUEST_ID_HEADER.encode(), request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestContextMiddleware:
    """Request id in and out, one access-log line per request, body size and media type limits.

    Body limits are enforced while streaming, so an oversized upload is refused without being
    held in memory first.
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
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # Where `large_body_bytes` applies: path prefixes (str) or whole paths (a pattern).
        paths = tuple(large_body_paths)
        self.large_body_prefixes = tuple(p for p in paths if isinstance(p, str))
        self.large_body_patterns = tuple(p for p in paths if not isinstance(p, str))
        self.large_body_bytes = large_body_bytes
        # None: pass any media type through (the gateway leaves that to the services).
        self.accepted = tuple(accepted_media_types) if accepted_media_types is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_or_generate(_header(scope, b"x-request-id"))
        token = set_request_id(request_id)
        started = time.perf_counter()
        status_holder = [0]
        try:
            refused = self._refuse(scope)
            if refused is not None:
                status, detail = refused
                status_holder[0] = status
                await _send_problem(send, status, detail, request_id)
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

            try:
                await self.app(scope, limited_receive, send_with_id)
            except _BodyTooLarge as exc:
                status_holder[0] = 413
                await _send_problem(
                    send, 413, f"The request body exceeds {exc.limit} bytes.", request_id
                )
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

    def _refuse(self, scope: Scope) -> tuple[int, str] | None:
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            return None
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self._limit_for(scope["path"]):
            return 413, f"The request body exceeds {self._limit_for(scope['path'])} bytes."
        if self.accepted is None:
            return None
        content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if length == "0" and not content_type:
            return None
        if content_type not in self.accepted:
            shown = content_type or "none"
            return 415, f"Content-Type {shown} is not accepted; send {', '.join(self.accepted)}."
        return None


class _BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit
