"""415 for a body whose media type the service does not take at all, where the operation
declares none of its own (those `RouteRefusalMiddleware` checks)."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from shared.middleware._asgi import BODY_METHODS, content_type, header, send_problem
from shared.routing import RouteTable

SERVICE_MEDIA_TYPES = ("application/json", "application/merge-patch+json", "multipart/form-data")


class MediaTypeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        accepted: Iterable[str] = SERVICE_MEDIA_TYPES,
        routes: RouteTable | None = None,
    ) -> None:
        self.app = app
        self.accepted = tuple(accepted)
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in BODY_METHODS:
            detail = self._refusal(scope)
            if detail is not None:
                await send_problem(send, 415, detail)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> str | None:
        if self.routes is not None and self.routes.declares_body(scope["path"], scope["method"]):
            return None  # the operation's own media types were checked
        media_type = content_type(scope)
        if not media_type and header(scope, b"content-length") == "0":
            return None
        if media_type in self.accepted:
            return None
        shown = media_type or "none"
        return f"Content-Type {shown} is not accepted; send {', '.join(self.accepted)}."
