"""Body limits: a size per path (refused up front by `Content-Length`, and while streaming, so
an oversized upload is never held in memory first), and a nesting depth for JSON (a 422, never
a `RecursionError` in a parser)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.json_depth import JsonTooDeepError, depth_limited
from shared.middleware._asgi import (
    BODY_METHODS,
    JSON_MEDIA_TYPES,
    StartWatch,
    content_type,
    header,
    printable,
    send_problem,
    send_problem_body,
)
from shared.problems import validation_problem_body


class BodySizeLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        large_body_paths: Iterable[str | re.Pattern[str]] = (),
        large_body_bytes: int = 0,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # Where `large_body_bytes` applies: path prefixes (str) or whole paths (a pattern).
        paths = tuple(large_body_paths)
        self.large_body_prefixes = tuple(p for p in paths if isinstance(p, str))
        self.large_body_patterns = tuple(p for p in paths if not isinstance(p, str))
        self.large_body_bytes = large_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        if scope["method"] in BODY_METHODS:
            length = header(scope, b"content-length")
            if length is not None and length.isdigit() and int(length) > limit:
                await send_problem(send, 413, BodyTooLarge(limit).detail)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge as exc:
            # Normally answered by the app's problem handler; this is for an app without it.
            await send_problem(send, 413, exc.detail)

    def limit_for(self, path: str) -> int:
        if self.large_body_bytes and (
            path.startswith(self.large_body_prefixes)
            or any(p.fullmatch(path) for p in self.large_body_patterns)
        ):
            return self.large_body_bytes
        return self.max_body_bytes


class BodyTooLarge(StarletteHTTPException):
    """An HTTPException, for the reason NulTextError is one: raised from `receive` while FastAPI
    reads the body, any other exception would become a 400 (a chunked body has no
    Content-Length to refuse it by up front)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body exceeds {limit} bytes.")


class JsonDepthLimitMiddleware:
    """A JSON body that nests deeper than `shared.json_depth.MAX_JSON_DEPTH`: the app's
    `receive` raises `JsonTooDeepError` (its problem handler answers the 422) before the app
    has the whole body to parse."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or content_type(scope) not in JSON_MEDIA_TYPES:
            await self.app(scope, receive, send)
            return
        watched = StartWatch(send)
        try:
            await self.app(scope, depth_limited(receive), watched)
        except JsonTooDeepError as exc:
            # Normally answered by the app's problem handler; this is for an app without it.
            if watched.started:
                raise
            problem = validation_problem_body(exc.errors, instance=printable(scope["path"]))
            await send_problem_body(send, problem)
