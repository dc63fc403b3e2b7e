"""Activity service: the engagement log, plans, community groups, areas, volunteer hours."""

from __future__ import annotations

from fastapi import FastAPI

from services.activity.config import ActivitySettings
from services.activity.router import router
from shared.app import create_service_app


def create_app(settings: ActivitySettings | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or ActivitySettings(),
        title="Engagement Hub: activity service",
        description="One corporately held log of engagement activity for every directorate.",
        routers=[router],
        openapi_tags=[{"name": "activities", "description": "The engagement log."}],
    )
