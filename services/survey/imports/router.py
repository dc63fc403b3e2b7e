"""HTTP endpoints of import jobs: thin, the rules live in `service.py`, the run in `run.py`.

`job_router` (a job by its id, under `/surveys/imports/...`) is included before the survey's
own routes; `router` (a survey's imports and its import templates) after them.
"""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, File, Path, Request, Response, UploadFile
from fastapi.responses import StreamingResponse

from services.survey.deps import Reader, SurveyCode, Writer, prefix_of, settings_of
from services.survey.imports import service
from services.survey.imports.format import csv_template, xlsx_template
from services.survey.imports.schemas import IMPORT_OPENAPI, ImportJobRead
from services.survey.surveys.service import require_survey
from shared.db import Database, SessionDep
from shared.jobs import JobQueue
from shared.problems import problem_responses

job_router = APIRouter(tags=["surveys"])
router = APIRouter(tags=["surveys"])


@job_router.get(
    "/surveys/imports/{job_id}",
    response_model=ImportJobRead,
    summary="State and counts of an import job, with the first rejected rows",
    responses=problem_responses(404),
)
async def get_import(
    job_id: Annotated[str, Path(max_length=36)], request: Request, session: SessionDep, _: Reader
) -> ImportJobRead:
    return await service.job_read(session, job_id, prefix=prefix_of(request))


@job_router.get(
    "/surveys/imports/{job_id}/errors.csv",
    summary="Every rejected row of an import, as CSV (row, column, reason)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(404)},
)
async def get_import_errors_csv(
    job_id: Annotated[str, Path(max_length=36)], request: Request, session: SessionDep, _: Reader
) -> StreamingResponse:
    await service.require_job(session, job_id)
    db: Database = request.app.state.db
    return StreamingResponse(
        service.errors_csv(db, job_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{job_id}-errors.csv"'},
    )


@router.post(
    "/surveys/{code}/imports",
    status_code=202,
    response_model=ImportJobRead,
    summary="Import responses from a CSV or XLSX file (runs in the background)",
    description="Multipart upload with the file in the `file` part. Answers 202 with the job "
    "and its `Location`; poll it until `state` is `done` or `failed`. The format is judged "
    "from the file's bytes, not from the declared media type or name (browsers send a `.csv` "
    "as `application/vnd.ms-excel` or `application/octet-stream`): an XLSX workbook, or text "
    "that decodes as UTF-8. Refused at once when the file is neither (415), too large (413), "
    "has no header or lacks required columns (422, every missing column named), or the survey "
    "is unknown (404).",
    responses=problem_responses(404, 413, 415),
    openapi_extra=IMPORT_OPENAPI,
)
async def create_import(
    code: SurveyCode,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Writer,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, BOM optional) or XLSX.")],
) -> ImportJobRead:
    job = await service.create_import(
        session,
        settings_of(request),
        code,
        source=file.file,
        filename=file.filename or "",
        principal=principal,
    )
    queue: JobQueue = request.app.state.import_queue
    await queue.submit(session, job.id)  # runs once this request's transaction commits
    location = f"{prefix_of(request)}/surveys/imports/{job.id}"
    response.headers["Location"] = location
    return await service.job_read(session, job.id, prefix=prefix_of(request))


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OCTET_STREAM = "application/octet-stream"


@router.get(
    "/surveys/{code}/imports/template.csv",
    summary="A CSV template of the survey's import format (header and an example row)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM."}},
)
async def get_import_template_csv(code: SurveyCode, session: SessionDep, _: Reader) -> Response:
    survey = await require_survey(session, code)
    return Response(
        csv_template(survey),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{code}-import-template.csv"'},
    )


@router.get(
    "/surveys/{code}/imports/template.xlsx",
    summary="An XLSX template of the survey's import format (header and an example row)",
    response_class=Response,
    responses={
        200: {
            "content": {
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
                OCTET_STREAM: {"schema": {"type": "string", "format": "binary"}},
            },
            "description": "An XLSX workbook; labelled `application/octet-stream` when the "
            "request's `Accept` asks for that and not for the XLSX type.",
        }
    },
)
async def get_import_template_xlsx(
    code: SurveyCode, request: Request, session: SessionDep, _: Reader
) -> Response:
    survey = await require_survey(session, code)
    workbook = await anyio.to_thread.run_sync(xlsx_template, survey)  # openpyxl is blocking
    accept = request.headers.get("accept", "")
    generic = OCTET_STREAM in accept and XLSX_MEDIA_TYPE not in accept
    return Response(
        workbook,
        media_type=OCTET_STREAM if generic else XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{code}-import-template.xlsx"'},
    )
