"""What the app's routes refuse before one runs (`shared.routing.RouteTable`): a method the
path lacks (405 with the path's whole `Allow`), a body of a media type the operation does not
declare (415 with `Accept-Post` / `Accept-Patch`), and a one-value query parameter given more
than once (422 naming it)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from shared.middleware._asgi import content_type, printable, send_problem, send_problem_body
from shared.problems import FieldError, validation_problem_body
from shared.routing import RouteTable


class RouteRefusalMiddleware:
    """405 and 415 by the operation's declared media types."""

    def __init__(self, app: ASGIApp, *, routes: RouteTable) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            refused = self.routes.refusal(path, scope["method"], content_type(scope))
            if refused is not None:
                await send_problem(
                    send, refused.status, refused.detail, refused.headers, printable(path)
                )
                return
        await self.app(scope, receive, send)


class RepeatedQueryMiddleware:
    """422 for `?area=a&area=b` where `area` takes one value: routing alone would take the last
    and ignore the rest."""

    def __init__(self, app: ASGIApp, *, routes: RouteTable) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            repeated = self.routes.repeated_query(
                path, scope["method"], scope.get("query_string", b"")
            )
            if repeated:
                errors = [
                    FieldError(
                        field=f"query.{name}",
                        message="given more than once; this parameter takes one value",
                        type="repeated",
                    )
                    for name in repeated
                ]
                problem = validation_problem_body(errors, instance=printable(path))
                await send_problem_body(send, problem)
                return
        await self.app(scope, receive, send)
