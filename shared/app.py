"""The one way a service app is built, so every service behaves alike at the edges."""

from __future__ import annotations

import gc
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from shared import health
from shared.auth import StaticKeyStore
from shared.db import Database
from shared.docs import install_docs
from shared.logging import configure_logging
from shared.metrics import install_metrics
from shared.middleware import RequestContextMiddleware
from shared.openapi import contract_document, operation_id
from shared.problems import install_problem_handlers
from shared.routing import RouteTable
from shared.settings import HubSettings, ServiceSettings

API_PREFIX = "/api/v1"
# Collector thresholds while serving (CPython defaults: 700, 10, 10).
GC_THRESHOLDS = (50_000, 20, 100)

StartupHook = Callable[[FastAPI], Awaitable[None]]


@contextmanager
def serving_collector() -> Iterator[None]:
    """The garbage collector tuned for serving, undone on exit.

    What start-up built (modules, schemas, routes, compiled statements) lives as long as the
    process: frozen, full collections stop re-scanning it; and young collections run less
    often (a batch of 500 activities allocates ~10^5 objects). Measured with
    bench/activity_post.py: batches +20%, single posts +13%.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    openapi_tags: list[dict[str, Any]] | None = None,
    large_body_paths: Iterable[str | re.Pattern[str]] = (),
    large_body_bytes: int = 0,
    on_startup: Sequence[StartupHook] = (),
    on_shutdown: Sequence[StartupHook] = (),
    configure_logs: bool = True,
) -> FastAPI:
    hub = HubSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if configure_logs:
            configure_logging(settings.service_name, hub.log_level, json_lines=hub.log_json)
        # Services take the gateway's signed identity or the bootstrap key, nothing else.
        app.state.key_store = StaticKeyStore.from_settings(hub, warn=True, bootstrap_only=True)
        app.state.db = Database(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            echo=settings.db_echo,
            pre_ping=settings.db_pool_pre_ping,
        )
        try:
            for hook in on_startup:
                await hook(app)
            with serving_collector():
                yield
        finally:
            for hook in on_shutdown:
                await hook(app)
            await app.state.db.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        openapi_tags=openapi_tags,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        docs_url=None,
        redoc_url=None,
        # A path is what the document says: `/activities/` is a 404 problem, not a 307 to
        # `/activities` (an undocumented answer that clients then replay without the body).
        redirect_slashes=False,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    install_contract(app)
    install_docs(app, title=title)
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        large_body_paths=tuple(large_body_paths),
        large_body_bytes=large_body_bytes,
        routes=RouteTable(app),
    )
    app.include_router(health.router)
    install_metrics(app, settings.service_name)  # GET /metrics, outside the API key
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)
    return app


def install_contract(app: FastAPI) -> None:
    """`app.openapi()` answers the rewritten document (`shared.openapi`), built once."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = contract_document(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
