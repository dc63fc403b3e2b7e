"""KPI service: catalogue, measurements, calculation, scorecards and reports."""

from __future__ import annotations

from fastapi import FastAPI

from services.kpi.config import KpiSettings
from services.kpi.dashboard.router import router as dashboard_router
from services.kpi.reports.router import router as reports_router
from services.kpi.router import router
from shared.app import create_service_app


def create_app(settings: KpiSettings | None = None) -> FastAPI:
    app = create_service_app(
        settings=settings or KpiSettings(),
        title="Engagement Hub: KPI service",
        description="Engagement KPIs computed with published counting rules.",
        routers=[router, reports_router],
        openapi_tags=[{"name": "kpis", "description": "The KPI catalogue."}],
    )
    app.include_router(dashboard_router)  # pages under /dashboard/, outside /api/v1
    return app
