"""Survey service: survey definitions, imports, responses and their analysis."""

from __future__ import annotations

import re

from fastapi import FastAPI

from services.survey.analysis.router import mix_router as representativeness_router
from services.survey.analysis.router import router as analysis_router
from services.survey.comments.router import router as comments_router
from services.survey.config import SurveySettings
from services.survey.imports.queue import build_import_queue
from services.survey.imports.router import job_router as import_job_router
from services.survey.imports.router import router as imports_router
from services.survey.models import SURVEY_AUDIT
from services.survey.population.router import router as population_router
from services.survey.responses.router import router as responses_router
from services.survey.surveys.router import item_router as survey_router
from services.survey.surveys.router import router as surveys_router
from shared.app import create_service_app
from shared.audit import AuditTrail
from shared.audit_api import audit_router
from shared.jobs import JobQueue

IMPORTS_PATH = re.compile(r"/api/v1/surveys/[^/]+/imports")


async def _start_imports(app: FastAPI) -> None:
    settings: SurveySettings = app.state.settings
    settings.import_spool_dir.mkdir(parents=True, exist_ok=True)
    queue = build_import_queue(app.state.db, settings)
    app.state.import_queue = queue
    await queue.start()


async def _stop_imports(app: FastAPI) -> None:
    queue: JobQueue | None = getattr(app.state, "import_queue", None)
    if queue is not None:
        await queue.close()


def create_app(settings: SurveySettings | None = None) -> FastAPI:
    settings = settings or SurveySettings()
    app = create_service_app(
        settings=settings,
        title="Engagement Hub: survey service",
        description="The public-confidence survey, imported and analysed with real statistics.",
        routers=[
            # Order matters: a job's `/surveys/imports/{job_id}` before `/surveys/{code}`.
            surveys_router,
            import_job_router,
            survey_router,
            imports_router,
            responses_router,
            analysis_router,
            population_router,
            representativeness_router,
            comments_router,
            audit_router(SURVEY_AUDIT, "survey"),
        ],
        openapi_tags=[
            {
                "name": "surveys",
                "description": "Survey definitions, imports, responses and their analysis.",
            }
        ],
        # Only the multipart file upload may be large; JSON bodies keep the 2 MiB limit.
        large_body_paths=(IMPORTS_PATH,),
        large_body_bytes=settings.upload_max_bytes,
        on_startup=[_start_imports],
        on_shutdown=[_stop_imports],
    )
    app.state.audit = AuditTrail("survey", SURVEY_AUDIT)
    return app
