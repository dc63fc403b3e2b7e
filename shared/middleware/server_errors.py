"""The catch-all: an error nothing else answered is a 500 problem carrying the request id; the
stack goes to the log (`hub.errors`), never to the caller."""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from shared.middleware._asgi import StartWatch, send_problem

error_log = logging.getLogger("hub.errors")
SERVER_ERROR_DETAIL = (
    "The server failed to handle this request; quote the request id when reporting."
)


class ServerErrorMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        watched = StartWatch(send)
        try:
            await self.app(scope, receive, watched)
        except Exception:
            error_log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if watched.started:  # the response had started: nothing left to answer
                raise
            await send_problem(send, 500, SERVER_ERROR_DETAIL)
