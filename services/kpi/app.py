"""KPI service: catalogue, targets, measurements, calculation, scorecards, series, snapshots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from fastapi import FastAPI

from services.kpi.catalogue.router import router as catalogue_router
from services.kpi.config import KpiSettings
from services.kpi.dashboard.router import router as dashboard_router
from services.kpi.measurements.router import router as measurements_router
from services.kpi.measurements.schemas import components as measurement_components
from services.kpi.models import KPI_AUDIT
from services.kpi.reports.router import router as reports_router
from services.kpi.scorecard.router import router as scorecard_router
from services.kpi.series.router import router as series_router
from services.kpi.snapshots.router import router as snapshots_router
from services.kpi.sources.clients import SourceClients
from services.kpi.targets.router import router as targets_router
from shared.app import create_service_app
from shared.audit import AuditTrail
from shared.audit_api import audit_router
from shared.contracts.kpi import RAG_RULE

TAGS = [
    {"name": "kpis", "description": "The KPI catalogue, scorecards and series. " + RAG_RULE},
    {"name": "targets", "description": "Dated targets per KPI, force-wide or per area."},
    {"name": "measurements", "description": "Values recorded from other systems; CSV imports."},
    {"name": "snapshots", "description": "Scorecards frozen as reported to a board."},
]
IMPORTS_PATH = "/api/v1/kpis/measurements/imports"


def create_app(
    settings: KpiSettings | None = None,
    *,
    source_transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """`source_transports` (tests): the transport to reach each source by name."""
    settings = settings or KpiSettings()

    async def open_sources(app: FastAPI) -> None:
        app.state.sources = SourceClients(settings, source_transports)

    async def close_sources(app: FastAPI) -> None:
        await app.state.sources.aclose()

    app = create_service_app(
        settings=settings,
        title="Engagement Hub: KPI service",
        description="Engagement KPIs computed with published counting rules.",
        # Fixed paths before `/kpis/{code}`, so `scorecard` or `measurements` is never a code.
        routers=[
            scorecard_router,
            measurements_router,
            snapshots_router,
            series_router,
            targets_router,
            catalogue_router,
            reports_router,
            audit_router(KPI_AUDIT, "kpi"),
        ],
        openapi_tags=TAGS,
        large_body_paths=(IMPORTS_PATH,),
        large_body_bytes=settings.import_max_bytes,
        on_startup=[open_sources],
        on_shutdown=[close_sources],
    )
    app.state.audit = AuditTrail("kpi", KPI_AUDIT)
    app.include_router(dashboard_router)  # pages under /dashboard/, outside /api/v1
    document = app.openapi

    def openapi() -> dict[str, Any]:
        doc = document()
        doc["components"]["schemas"].update(measurement_components())
        return doc

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
    return app
