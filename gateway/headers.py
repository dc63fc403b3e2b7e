"""What every gateway answer carries, and who may see the API documents.

Security headers on every answer (proxied or the gateway's own): no MIME sniffing, no framing,
no referrer to other sites, a Content-Security-Policy that lets pages load only the Hub's own
assets (the docs pages also need their inline start-up script), HSTS when configured, and no
`Server` banner. CORS by an allow-list (Starlette's middleware; a preflight is answered there,
before any credential check). `/docs`, `/redoc` and `/openapi.json` behind credentials when
`GATEWAY_DOCS_PUBLIC=false`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.config import GatewaySettings
from gateway.metrics import gateway_route
from gateway.proxy import send_problem
from shared.metrics import install_metrics
from shared.problems import ProblemError

DOCS_PATHS = ("/docs", "/redoc", "/openapi.json")

_COMMON_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
API_CSP = _COMMON_CSP + "; script-src 'self'"
# Swagger UI and ReDoc start from an inline script; ReDoc runs a worker from a blob.
DOCS_CSP = _COMMON_CSP + "; script-src 'self' 'unsafe-inline'; worker-src 'self' blob:"

CORS_ALLOW_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    "X-API-Key",
    "X-Request-ID",
)
CORS_EXPOSE_HEADERS = (
    "ETag",
    "Idempotent-Replayed",
    "Location",
    "Retry-After",
    "X-Request-ID",
)

Authenticate = Callable[[dict[str, str], Scope], Awaitable[object]]


def _is_docs(path: str) -> bool:
    return path in DOCS_PATHS or path.startswith("/docs/") or path.startswith("/redoc/")


class SecurityHeadersMiddleware:
    """Adds the security headers to every answer (unless the app set its own) and drops any
    `Server` header."""

    def __init__(self, app: ASGIApp, *, hsts_max_age_s: int = 0) -> None:
        self.app = app
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if hsts_max_age_s:
            common.append(
                (b"strict-transport-security", f"max-age={hsts_max_age_s}".encode("latin-1"))
            )
        self.api_headers = [*common, (b"content-security-policy", API_CSP.encode())]
        self.docs_headers = [*common, (b"content-security-policy", DOCS_CSP.encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.docs_headers if _is_docs(scope["path"]) else self.api_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"server"]
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class PrivateDocsMiddleware:
    """The API documents only for callers with valid credentials (as for the API itself)."""

    def __init__(self, app: ASGIApp, *, authenticate: Authenticate) -> None:
        self.app = app
        self.authenticate = authenticate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _is_docs(scope["path"]):
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            try:
                await self.authenticate(headers, scope)
            except ProblemError as exc:
                detail = exc.detail or exc.title
                await send_problem(send, exc.status, detail, scope["path"], exc.headers)
                return
        await self.app(scope, receive, send)


def install_edges(app: FastAPI, settings: GatewaySettings, authenticate: Authenticate) -> None:
    """Metrics, docs access, CORS and security headers around the gateway app (call after the
    app's other middleware: these wrap it, the security headers outermost)."""
    if not settings.docs_public:
        app.add_middleware(PrivateDocsMiddleware, authenticate=authenticate)
    install_metrics(app, "gateway", route_label=gateway_route)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=list(CORS_ALLOW_HEADERS),
            expose_headers=list(CORS_EXPOSE_HEADERS),
            allow_credentials=False,
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware, hsts_max_age_s=settings.hsts_max_age_s)
