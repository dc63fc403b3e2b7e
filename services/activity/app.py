"""Activity service: the engagement log, plans, community groups, areas, volunteer hours."""

from __future__ import annotations

from fastapi import FastAPI

from services.activity import housekeeping, police_uk, registries
from services.activity.config import ActivitySettings
from services.activity.router import router
from services.activity.summaries.router import router as summaries_router
from shared.app import create_service_app

TAGS = [
    {"name": "activities", "description": "The engagement log."},
    {"name": "taxonomy", "description": "Code lists and definitions every client must use."},
    {"name": "actions", "description": '"You said, we did" actions.'},
    {"name": "areas", "description": "Force, districts and neighbourhoods (beat profiles)."},
    {"name": "community groups", "description": "IAGs, Watch schemes, youth panels, schools."},
    {"name": "plans", "description": "Strategy, local engagement plans, planned activities."},
    {"name": "volunteer hours", "description": "Citizens in policing: hours given per month."},
    {"name": "police.uk", "description": "data.police.uk compatible import and export."},
]


def create_app(settings: ActivitySettings | None = None) -> FastAPI:
    settings = settings or ActivitySettings()
    return create_service_app(
        settings=settings,
        title="Engagement Hub: activity service",
        description="One corporately held log of engagement activity for every directorate.",
        routers=[router, registries.router, police_uk.router, summaries_router],
        openapi_tags=TAGS,
        large_body_paths=("/api/v1/activities/batch", "/api/v1/police-uk/"),
        large_body_bytes=settings.batch_max_body_bytes,
        on_startup=[housekeeping.start],
        on_shutdown=[housekeeping.stop],
    )
