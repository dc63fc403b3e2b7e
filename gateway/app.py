"""The gateway: routing, authentication, timeouts, request ids, merged OpenAPI, health.

No domain logic lives here.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from gateway.access import Access
from gateway.admin import router as admin_router
from gateway.config import GatewaySettings
from gateway.headers import install_edges
from gateway.keys.models import GATEWAY_AUDIT
from gateway.metrics import record_circuit
from gateway.openapi import OpenAPIMerger
from gateway.pages import PageProxy
from gateway.proxy import Proxy
from gateway.ratelimit import RateLimits, storage_for
from gateway.sessions import Sessions
from gateway.upstreams import PAGES, build_upstreams
from shared.app import install_contract, serving_collector
from shared.audit import AuditTrail
from shared.auth import StaticKeyStore
from shared.db import Database
from shared.docs import install_docs
from shared.logging import configure_logging
from shared.middleware import RequestContextMiddleware
from shared.openapi import operation_id
from shared.problems import install_problem_handlers, problem_response
from shared.routing import RouteTable
from shared.settings import HubSettings

READY_TIMEOUT_S = 2.0


def create_app(settings: GatewaySettings | None = None, *, configure_logs: bool = True) -> FastAPI:
    settings = settings or GatewaySettings()
    hub = HubSettings()
    upstreams = build_upstreams(settings, on_circuit_change=record_circuit)
    merger = OpenAPIMerger(upstreams, own=lambda: app.openapi())
    # The gateway's own store: managed keys, its audit records (migrated by `hub migrate`).
    db = Database(settings.database_url, pool_size=settings.db_pool_size)
    access = Access.build(settings, hub, StaticKeyStore.from_settings(hub, warn=True), db)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if configure_logs:
            configure_logging("gateway", hub.log_level, json_lines=hub.log_json)
        for upstream in upstreams.values():
            await upstream.open()
        with serving_collector():
            yield
        for upstream in upstreams.values():
            await upstream.close()
        await db.dispose()

    app = FastAPI(
        title="Engagement Hub gateway",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    # The gateway's own routes (admin) are documented like the services' (`shared.openapi`).
    install_contract(app)
    app.state.upstreams = upstreams
    app.state.db = db
    app.state.audit = AuditTrail("gateway", GATEWAY_AUDIT)
    app.state.access = access
    install_problem_handlers(app)
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        # Survey file uploads may be large; every other survey body is JSON (2 MiB).
        large_body_paths=(
            re.compile(r"/api/v1/surveys/[^/]+/imports"),
            "/api/v1/kpis/measurements",
        ),
        large_body_bytes=settings.upload_max_bytes,
        accepted_media_types=None,
        # Bodies stream on to the services as they arrive, so the gateway cannot take back a
        # chunk it has forwarded: the services refuse NUL in JSON text (422), the gateway passes
        # their answer on. (NUL in the path or query it refuses itself, before forwarding.)
        refuse_nul_in_json=False,
        # The gateway's own routes (admin, docs): 405 with their `Allow`, 415 by media type;
        # what is mounted (the proxied services) is left to the services.
        routes=RouteTable(app),
    )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False, response_model=None)
    async def readyz() -> JSONResponse:
        async def check(client: httpx.AsyncClient) -> str:
            try:
                response = await client.get("/readyz", timeout=READY_TIMEOUT_S)
            except httpx.HTTPError:
                return "unreachable"
            return "ok" if response.status_code == 200 else f"not ready ({response.status_code})"

        results = await asyncio.gather(*(check(u.client) for u in upstreams.values()))
        checks = dict(zip(upstreams, results, strict=True))
        if all(v == "ok" for v in checks.values()):
            return JSONResponse({"status": "ready", "checks": checks})
        return problem_response(
            503, detail="An upstream service is not ready.", extra={"checks": checks}
        )

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> dict[str, Any]:
        return await merger.document()

    install_docs(app, title="Engagement Hub API")

    app.include_router(admin_router)
    limits = RateLimits(
        storage_for(settings.redis_url), settings.rate_limit, settings.auth_failure_limit
    )
    proxy = Proxy(upstreams, access, limits, settings)
    app.mount("/api/v1", proxy)
    sessions = Sessions(settings, hub)  # dashboard sign-in: identity lives in the gateway
    for page in PAGES:
        app.mount(f"/{page}", PageProxy(upstreams, access, limits, settings, sessions))
    install_edges(app, settings, proxy.authenticate_within_limits)
    return app
