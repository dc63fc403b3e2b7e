"""Activity service: the engagement log, plans, community groups, areas, volunteer hours."""

from __future__ import annotations

from fastapi import FastAPI

from services.activity import housekeeping
from services.activity.actions.router import router as actions_router
from services.activity.activities.router import item_router as activity_router
from services.activity.activities.router import router as activities_router
from services.activity.analytics.router import router as analytics_router
from services.activity.areas.router import router as areas_router
from services.activity.config import ActivitySettings
from services.activity.groups.router import router as groups_router
from services.activity.models import ACTIVITY_AUDIT
from services.activity.plans.router import router as plans_router
from services.activity.police_uk.router import router as police_uk_router
from services.activity.summaries.router import router as summaries_router
from services.activity.volunteering.router import router as volunteering_router
from shared.app import create_service_app
from shared.audit import AuditTrail
from shared.audit_api import audit_router

TAGS = [
    {"name": "activities", "description": "The engagement log."},
    {"name": "taxonomy", "description": "Code lists and definitions every client must use."},
    {"name": "actions", "description": '"You said, we did" actions.'},
    {"name": "areas", "description": "Force, districts and neighbourhoods (beat profiles)."},
    {"name": "community groups", "description": "IAGs, Watch schemes, youth panels, schools."},
    {"name": "plans", "description": "Strategy, local engagement plans, planned activities."},
    {"name": "volunteer hours", "description": "Citizens in policing: hours given per month."},
    {
        "name": "police.uk",
        "description": "data.police.uk's neighbourhood API: public reads in its shapes, imports.",
    },
]


def create_app(settings: ActivitySettings | None = None) -> FastAPI:
    settings = settings or ActivitySettings()
    app = create_service_app(
        settings=settings,
        title="Engagement Hub: activity service",
        description="One corporately held log of engagement activity for every directorate.",
        routers=[
            # Order matters: the finding routes before `/activities/{activity_id}`.
            activities_router,
            analytics_router,
            activity_router,
            actions_router,
            areas_router,
            groups_router,
            plans_router,
            volunteering_router,
            police_uk_router,
            summaries_router,
            audit_router(ACTIVITY_AUDIT, "activity"),
        ],
        openapi_tags=TAGS,
        large_body_paths=("/api/v1/activities/batch", "/api/v1/police-uk/"),
        large_body_bytes=settings.batch_max_body_bytes,
        on_startup=[housekeeping.start],
        on_shutdown=[housekeeping.stop],
    )
    app.state.audit = AuditTrail("activity", ACTIVITY_AUDIT)
    return app
