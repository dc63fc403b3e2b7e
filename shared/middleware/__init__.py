"""The request middleware of every service and of the gateway: small pure-ASGI pieces (cheaper
than BaseHTTPMiddleware on the hot path), one job each, composed here in one order.

Outermost first, and why there:
1. `RequestIdMiddleware`: the id is set before anything logs or answers, echoed on every
   response, the refusals below included.
2. `AccessLogMiddleware`: one line per request with the status the caller got, whoever
   answered it (inside the id, so the line carries it).
3. `ServerErrorMiddleware`: whatever nothing else answered is a 500 problem with the id.
4. `RouteRefusalMiddleware` (services): 405 and 415 by the operation's own declared types.
5. `BodySizeLimitMiddleware`: 413 by `Content-Length` up front, then while the body streams.
6. `JsonDepthLimitMiddleware`: a JSON body nested too deep is a 422 before it is parsed.
7. `MediaTypeMiddleware` (services): 415 for a media type no operation here takes.
8. `RepeatedQueryMiddleware` (services): 422 for a one-value query parameter given twice.
9. `NulTextMiddleware`: 422 for a NUL in the path, the query or (services) JSON text.

The refusals answer in that order (a 405 before a 413, a 413 before a 415 by the service's
types), and the body checks wrap `receive` in that order: the size is counted on the bytes as
they arrive, the depth gauge sees each chunk before the NUL watch may hold it back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import partial

from starlette.types import ASGIApp, Receive, Scope, Send

from shared.middleware.access_log import AccessLogMiddleware
from shared.middleware.body_limits import BodySizeLimitMiddleware, JsonDepthLimitMiddleware
from shared.middleware.media_types import SERVICE_MEDIA_TYPES, MediaTypeMiddleware
from shared.middleware.nul_text import NulTextMiddleware
from shared.middleware.request_id import RequestIdMiddleware
from shared.middleware.routes import RepeatedQueryMiddleware, RouteRefusalMiddleware
from shared.middleware.server_errors import ServerErrorMiddleware
from shared.routing import RouteTable

__all__ = [
    "AccessLogMiddleware",
    "BodySizeLimitMiddleware",
    "JsonDepthLimitMiddleware",
    "MediaTypeMiddleware",
    "NulTextMiddleware",
    "RepeatedQueryMiddleware",
    "RequestContextMiddleware",
    "RequestIdMiddleware",
    "RouteRefusalMiddleware",
    "ServerErrorMiddleware",
]

Layer = Callable[[ASGIApp], ASGIApp]


class RequestContextMiddleware:
    """The pieces above around `app`, in their order.

    `routes`: the app's routes (405, 415 per operation, repeated query parameters); None where
    the app's own routing answers (the gateway). `accepted_media_types`: None passes any media
    type through (the gateway leaves that to the services). `refuse_nul_in_json`: False where
    bodies are forwarded as they arrive (the gateway).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        large_body_paths: Iterable[str | re.Pattern[str]] = (),
        large_body_bytes: int = 0,
        accepted_media_types: Iterable[str] | None = SERVICE_MEDIA_TYPES,
        refuse_nul_in_json: bool = True,
        routes: RouteTable | None = None,
    ) -> None:
        layers: list[Layer | None] = [
            RequestIdMiddleware,
            AccessLogMiddleware,
            ServerErrorMiddleware,
            partial(RouteRefusalMiddleware, routes=routes) if routes is not None else None,
            partial(
                BodySizeLimitMiddleware,
                max_body_bytes=max_body_bytes,
                large_body_paths=large_body_paths,
                large_body_bytes=large_body_bytes,
            ),
            JsonDepthLimitMiddleware,
            (
                partial(MediaTypeMiddleware, accepted=accepted_media_types, routes=routes)
                if accepted_media_types is not None
                else None
            ),
            partial(RepeatedQueryMiddleware, routes=routes) if routes is not None else None,
            partial(NulTextMiddleware, scan_json_bodies=refuse_nul_in_json),
        ]
        for layer in reversed(layers):
            if layer is not None:
                app = layer(app)
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
