"""Survey service: survey definitions, imports, responses and their analysis."""

from __future__ import annotations

from fastapi import FastAPI

from services.survey.config import SurveySettings
from services.survey.router import router
from shared.app import create_service_app


def create_app(settings: SurveySettings | None = None) -> FastAPI:
    settings = settings or SurveySettings()
    return create_service_app(
        settings=settings,
        title="Engagement Hub: survey service",
        description="The public-confidence survey, imported and analysed with real statistics.",
        routers=[router],
        openapi_tags=[{"name": "surveys", "description": "Survey definitions and analysis."}],
        large_body_paths=("/api/v1/surveys/",),
        large_body_bytes=settings.upload_max_bytes,
    )
