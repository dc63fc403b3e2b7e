"""Prometheus metrics for every process: requests by route template and status, latency.

`install_metrics(app, "activity")` adds the middleware and `GET /metrics` (outside `/api/v1`,
so not behind the API key). The route label is the matched route's template
(`/api/v1/activities/{activity_id}`), never the raw path, so the series stay few. The hot
path costs one label lookup and one histogram observation per request.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import FastAPI
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

METRICS_PATH = "/metrics"
UNMATCHED_ROUTE = "unmatched"

# No `_created` series beside each counter: half the output, nothing a dashboard reads.
disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus_client leaves it unannotated

REQUESTS = Counter(
    "hub_http_requests",
    "HTTP requests answered, by process, method, route template and status.",
    ("service", "method", "route", "status"),
)
LATENCY = Histogram(
    "hub_http_request_duration_seconds",
    "Time to answer an HTTP request (until the last body byte was handed to the server).",
    ("service", "method", "route"),
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

RouteLabel = Callable[[Scope], str]


def route_template(scope: Scope) -> str:
    """The template of the route the app matched, with the prefixes it was included under.

    FastAPI keeps the matched route as included (`/api/v1/activities/{activity_id}`) on the
    scope beside the router's own route object (`/activities/{activity_id}`); the latter is the
    fallback (and all there is for plain Starlette routes).
    """
    context = scope.get("fastapi", {}).get("effective_route_context")
    for candidate in (context, scope.get("route")):
        path = getattr(candidate, "path_format", None) or getattr(candidate, "path", None)
        if isinstance(path, str) and path:
            return path
    return UNMATCHED_ROUTE


class MetricsMiddleware:
    """Counts and times every HTTP request; pure ASGI (cheap)."""

    def __init__(
        self, app: ASGIApp, *, service: str, route_label: RouteLabel = route_template
    ) -> None:
        self.app = app
        self.service = service
        self.route_label = route_label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == METRICS_PATH:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app fails before starting a response

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = self.route_label(scope)
            method = scope["method"]
            REQUESTS.labels(self.service, method, route, str(status)).inc()
            LATENCY.labels(self.service, method, route).observe(time.perf_counter() - started)


def metrics_response() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def install_metrics(app: FastAPI, service: str, route_label: RouteLabel = route_template) -> None:
    """The metrics middleware (outermost of those added so far) and `GET /metrics`."""

    async def metrics(_: Request) -> Response:
        return metrics_response()

    app.add_route(METRICS_PATH, metrics, methods=["GET"], include_in_schema=False)
    app.add_middleware(MetricsMiddleware, service=service, route_label=route_label)
