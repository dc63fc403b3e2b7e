"""The request id: the caller's `X-Request-ID` when sane, a new one otherwise; set for the
request's logs and problems, and echoed on the response."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.middleware._asgi import header
from shared.requestid import (
    REQUEST_ID_HEADER,
    accept_or_generate,
    reset_request_id,
    set_request_id,
)

_HEADER = REQUEST_ID_HEADER.encode()


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_or_generate(header(scope, b"x-request-id"))
        echoed = (_HEADER, request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), echoed]}
            await send(message)

        token = set_request_id(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            reset_request_id(token)
