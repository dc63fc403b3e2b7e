"""HTTP endpoints of the survey service: thin, the rules live in `service.py` / `analysis.py`."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

import anyio
from fastapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    File,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
)
from fastapi.responses import StreamingResponse

from services.survey import analysis, errors, repository, service
from services.survey.config import SurveySettings
from services.survey.definitions import QuestionDef, SurveyDef
from services.survey.import_format import csv_template, xlsx_template
from services.survey.imports import ImportRunner
from services.survey.schemas import (
    IMPORT_OPENAPI,
    CommentRead,
    ImportJobRead,
    PopulationMargins,
    QuestionRead,
    Representativeness,
    ResponsesResult,
    ResponsesSubmit,
    SurveyCreate,
    SurveyRead,
    WordingCreate,
)
from shared.auth import Principal, require_scope
from shared.contracts.survey import (
    WAVE_PATTERN,
    QuestionChanges,
    QuestionCorrelations,
    QuestionResults,
    QuestionTrend,
    SurveyResults,
    Weighting,
)
from shared.db import Database, SessionDep
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, CursorPage
from shared.problems import invalid, problem_responses

router = APIRouter(tags=["surveys"])

Reader = Annotated[Principal, Depends(require_scope("survey:read"))]
Writer = Annotated[Principal, Depends(require_scope("survey:write"))]
SurveyCode = Annotated[str, Path(max_length=60, pattern=r"^[a-z0-9_\-]+$")]
QuestionCode = Annotated[str, Path(max_length=60, pattern=r"^[a-z0-9_]+$")]
WaveQuery = Annotated[str | None, Query(pattern=WAVE_PATTERN, description="A wave, e.g. 2022-Q3.")]
FromQuery = Annotated[
    str | None, Query(alias="from", pattern=WAVE_PATTERN, description="First wave (e.g. 2020-Q1).")
]
ToQuery = Annotated[str | None, Query(pattern=WAVE_PATTERN, description="Last wave (inclusive).")]
Demographic = Annotated[str | None, Query(max_length=60)]
WeightingQuery = Annotated[
    Weighting,
    Query(description="`supplied` (the imported weight), `raked` (to population margins), `none`."),
]
API = "/api/v1"


def _settings(request: Request) -> SurveySettings:
    settings: SurveySettings = request.app.state.settings
    return settings


def _prefix(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}{API}"


@dataclass(frozen=True)
class WaveRange:
    first: str | None
    last: str | None


def _wave_range(from_: FromQuery = None, to: ToQuery = None) -> WaveRange:
    if from_ is not None and to is not None and to < from_:
        raise invalid("query.to", "must not be before `from`")
    return WaveRange(from_, to)


@dataclass(frozen=True)
class Respondents:
    """Which respondents an analysis counts (demographic filters) and how they are weighted."""

    filters: dict[str, str]
    weighting: Weighting
    districts: frozenset[str] | None = None  # the caller's limit


def _respondents(
    principal: Reader,
    area: Demographic = None,
    age_band: Demographic = None,
    sex: Demographic = None,
    ethnicity: Demographic = None,
    weighting: WeightingQuery = Weighting.supplied,
) -> Respondents:
    values = {"area": area, "age_band": age_band, "sex": sex, "ethnicity": ethnicity}
    filters = {k: v for k, v in values.items() if v is not None}
    return Respondents(filters, weighting, principal.districts)


# The query parameters every analysis endpoint shares, declared once.
Waves = Annotated[WaveRange, Depends(_wave_range)]
Who = Annotated[Respondents, Depends(_respondents)]


# --- definitions ---------------------------------------------------------------------------------


@router.get("/surveys", response_model=list[SurveyRead], summary="List survey definitions")
async def list_surveys(session: SessionDep, _: Reader) -> list[SurveyRead]:
    return await service.list_surveys(session)


@router.post(
    "/surveys",
    status_code=201,
    response_model=SurveyRead,
    summary="Define a survey (questions, ordered answers, what is excluded from the base)",
    description="Sending a definition already stored exactly as sent is a replay (200, "
    "`Idempotent-Replayed: true`); the same code with another definition is a 409.",
    responses={
        **problem_responses(409),
        200: {"model": SurveyRead, "description": "A replay: the survey is defined as sent."},
    },
)
async def create_survey(
    payload: SurveyCreate, request: Request, response: Response, session: SessionDep, _: Writer
) -> SurveyRead:
    replayed = await service.replayed_survey(session, payload)
    if replayed is not None:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
        response.headers["Location"] = f"{_prefix(request)}/surveys/{replayed.code}"
        return replayed
    created = await service.create_survey(session, payload)
    response.headers["Location"] = f"{_prefix(request)}/surveys/{created.code}"
    return created


# Declared before `/surveys/{code}/...` so that `imports` is never taken for a survey code.
@router.get(
    "/surveys/imports/{job_id}",
    response_model=ImportJobRead,
    summary="State and counts of an import job, with the first rejected rows",
    responses=problem_responses(404),
)
async def get_import(
    job_id: Annotated[str, Path(max_length=36)], request: Request, session: SessionDep, _: Reader
) -> ImportJobRead:
    return await service.job_read(session, job_id, prefix=_prefix(request))


# Rejected cells read per query when an import's errors stream out as CSV.
ERRORS_PAGE = 5000


@router.get(
    "/surveys/imports/{job_id}/errors.csv",
    summary="Every rejected row of an import, as CSV (row, column, reason)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(404)},
)
async def get_import_errors_csv(
    job_id: Annotated[str, Path(max_length=36)], request: Request, session: SessionDep, _: Reader
) -> StreamingResponse:
    if not await repository.import_exists(session, job_id):
        raise errors.import_not_found(job_id)
    db: Database = request.app.state.db

    async def rows() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["row", "column", "reason"])
        after: tuple[int, int] | None = None
        while True:
            async with db.read_sessions() as page_session:
                page = await repository.import_errors_page(
                    page_session, job_id, after=after, limit=ERRORS_PAGE
                )
            for row_number, _id, column, reason in page:
                writer.writerow([row_number, column, reason])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if len(page) < ERRORS_PAGE:
                return
            after = (page[-1][0], page[-1][1])

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{job_id}-errors.csv"'},
    )


@router.get(
    "/surveys/{code}",
    response_model=SurveyRead,
    summary="Get one survey definition",
    responses=problem_responses(404),
)
async def get_survey(code: SurveyCode, session: SessionDep, _: Reader) -> SurveyRead:
    return await service.get_survey(session, code)


@router.post(
    "/surveys/{code}/questions/{question}/wordings",
    status_code=201,
    response_model=QuestionRead,
    summary="Record a new wording of a question (a break in its series from a wave on)",
    description="Sending the current wording again (same text, same first wave) is a replay "
    "(200, `Idempotent-Replayed: true`, nothing changed).",
    responses={
        **problem_responses(404),
        200: {"model": QuestionRead, "description": "A replay: this is the current wording."},
    },
)
async def add_wording(
    code: SurveyCode,
    question: QuestionCode,
    payload: WordingCreate,
    session: SessionDep,
    _: Writer,
    response: Response,
) -> QuestionRead:
    survey, replayed = await service.add_wording(session, code, question, payload)
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return next(q for q in survey.questions if q.code == question)


# --- imports and responses -----------------------------------------------------------------------


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
    background: BackgroundTasks,
    session: SessionDep,
    principal: Writer,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, BOM optional) or XLSX.")],
) -> ImportJobRead:
    job = await service.create_import(
        session,
        _settings(request),
        code,
        source=file.file,
        filename=file.filename or "",
        principal=principal,
    )
    runner: ImportRunner = request.app.state.import_runner

    async def start() -> None:  # after the response: the job row is committed by then
        runner.submit(job.id)

    background.add_task(start)
    location = f"{_prefix(request)}/surveys/imports/{job.id}"
    response.headers["Location"] = location
    return await service.job_read(session, job.id, prefix=_prefix(request))


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OCTET_STREAM = "application/octet-stream"


@router.get(
    "/surveys/{code}/imports/template.csv",
    summary="A CSV template of the survey's import format (header and an example row)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM."}},
)
async def get_import_template_csv(code: SurveyCode, session: SessionDep, _: Reader) -> Response:
    survey = await service.require_survey(session, code)
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
    survey = await service.require_survey(session, code)
    workbook = await anyio.to_thread.run_sync(xlsx_template, survey)  # openpyxl is blocking
    accept = request.headers.get("accept", "")
    generic = OCTET_STREAM in accept and XLSX_MEDIA_TYPE not in accept
    return Response(
        workbook,
        media_type=OCTET_STREAM if generic else XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{code}-import-template.xlsx"'},
    )


@router.post(
    "/surveys/{code}/responses",
    response_model=ResponsesResult,
    summary="Store a few responses sent as JSON (all or none)",
    description="Same rules as a file import; every problem is named and nothing is stored "
    "when any response is invalid. Re-sending a stored response changes nothing.",
    responses=problem_responses(404),
)
async def submit_responses(
    code: SurveyCode,
    payload: ResponsesSubmit,
    request: Request,
    session: SessionDep,
    _: Writer,
) -> ResponsesResult:
    return await service.submit_responses(
        session, code, payload, max_items=_settings(request).responses_max_items
    )


# --- analysis ------------------------------------------------------------------------------------


async def _survey_question(
    session: SessionDep, code: str, question: str
) -> tuple[SurveyDef, QuestionDef]:
    survey = await service.require_survey(session, code)
    spec = survey.question(question)
    if spec is None:
        raise errors.question_not_found(code, question)
    return survey, spec


@router.get(
    "/surveys/{code}/questions/{question}/results",
    response_model=QuestionResults,
    summary="Shares with 95% intervals per wave, demographic or area",
    description="`by=wave` covers every wave from `from` to `to` (default: all waves with "
    "data), empty waves included; each group names the `wording_version` asked and flags "
    "`series_break` where the wording changed. Any other `by` sums the waves from `from` to "
    "`to` (default: the wave `to`, or the latest wave with data, alone): all of them must have "
    "been asked with one wording, because pooling two wordings would mix two series. A range "
    "that crosses a change of wording is refused with 422 (problem type `series-break`, "
    "naming `from` and `to`, with the `break_wave`): ask from the break on, or up to the wave "
    "before it. `question_text` is the wording asked in `to_wave`. Per answer, `n`, "
    "`weighted_n` and `effective_n` describe the group's base (responses with an answer "
    "counted in the base) and `count` / `weighted_count` the answer itself. Bases under 50 are "
    "suppressed, under 100 flagged `low_base`.",
    responses=problem_responses(404, 409, 422),
)
async def question_results(
    code: SurveyCode,
    question: QuestionCode,
    session: SessionDep,
    _: Reader,
    waves: Waves,
    who: Who,
    by: Annotated[str, Query(pattern="^(wave|area|age_band|sex|ethnicity)$")] = "wave",
) -> QuestionResults:
    survey, spec = await _survey_question(session, code, question)
    return await analysis.results(
        session,
        survey,
        spec,
        by=by,
        first=waves.first,
        last=waves.last,
        filters=who.filters,
        weighting=who.weighting,
        districts=who.districts,
    )


@router.get(
    "/surveys/{code}/results",
    response_model=SurveyResults,
    summary="Several questions' shares with 95% intervals, from one pass over the responses",
    description="`questions` lists question codes separated by commas (at most "
    f"{analysis.MAX_QUESTIONS}; a repeated code is answered once). Each item of `results` "
    "is exactly what `/surveys/{code}/questions/{question}/results` answers for that "
    "question with the same `by`, `from`, `to`, filters and `weighting`, by the same rules "
    "(suppression, series breaks, a breakdown refused with 422 `series-break` when its "
    "waves cross a change of wording). An unknown question is a 404, a free-text one a 422 "
    "naming `query.questions`.",
    responses=problem_responses(404, 409, 422),
)
async def survey_results(
    code: SurveyCode,
    session: SessionDep,
    _: Reader,
    waves: Waves,
    who: Who,
    questions: Annotated[
        str,
        Query(
            max_length=2000,
            pattern=r"^[a-z0-9_]+(,[a-z0-9_]+)*$",
            description="Question codes, comma-separated (e.g. `informed,have_say`).",
        ),
    ],
    by: Annotated[str, Query(pattern="^(wave|area|age_band|sex|ethnicity)$")] = "wave",
) -> SurveyResults:
    survey = await service.require_survey(session, code)
    results = await analysis.results_many(
        session,
        survey,
        analysis.questions_named(survey, questions.split(",")),
        by=by,
        first=waves.first,
        last=waves.last,
        filters=who.filters,
        weighting=who.weighting,
        districts=who.districts,
    )
    return SurveyResults(survey=survey.code, results=results)


@router.get(
    "/surveys/{code}/questions/{question}/changes",
    response_model=QuestionChanges,
    summary="Is the change real? Two-proportion z-tests on effective sample sizes",
    description="The wave `to` (default: the latest) against the previous quarter, the same "
    "quarter a year earlier, and the four quarters to `to` against the four before them.",
    responses=problem_responses(404, 409),
)
async def question_changes(
    code: SurveyCode,
    question: QuestionCode,
    session: SessionDep,
    _: Reader,
    who: Who,
    to: ToQuery = None,
) -> QuestionChanges:
    survey, spec = await _survey_question(session, code, question)
    return await analysis.changes(
        session,
        survey,
        spec,
        to=to,
        filters=who.filters,
        weighting=who.weighting,
        districts=who.districts,
    )


@router.get(
    "/surveys/{code}/questions/{question}/trend",
    response_model=QuestionTrend,
    summary="Mann-Kendall trend, Theil-Sen slope and record highs/lows per answer",
    description="The series runs from `from` to `to` (default: all waves with data) over the "
    "waves asked with the wording of the last wave; a change of wording starts a new series "
    "(`series_starts_at_break`). Suppressed (base under 50) and empty waves are left out of the "
    "tests. `latest_wave` is always the last wave of the range: when it is suppressed or "
    "empty, `latest_suppressed` is true and its share, record flags and last higher/lower "
    "waves are null.",
    responses=problem_responses(404, 409),
)
async def question_trend(
    code: SurveyCode,
    question: QuestionCode,
    session: SessionDep,
    _: Reader,
    waves: Waves,
    who: Who,
) -> QuestionTrend:
    survey, spec = await _survey_question(session, code, question)
    return await analysis.trend(
        session,
        survey,
        spec,
        first=waves.first,
        last=waves.last,
        filters=who.filters,
        weighting=who.weighting,
        districts=who.districts,
    )


@router.get(
    "/surveys/{code}/correlations",
    response_model=QuestionCorrelations,
    summary="Pearson correlation between the answer shares of a question across waves",
    description="Shares per wave from `from` to `to` (default: all waves with data), over the "
    "waves asked with the wording of the last wave only: a change of wording starts a new "
    "series, so `from_wave` is where the series correlated starts and "
    "`series_starts_at_break` says whether earlier waves were left out for another wording. "
    "Suppressed (base under 50) and empty waves are left out.",
    responses=problem_responses(404, 409),
)
async def question_correlations(
    code: SurveyCode,
    session: SessionDep,
    _: Reader,
    question: Annotated[str, Query(max_length=60, pattern=r"^[a-z0-9_]+$")],
    waves: Waves,
    who: Who,
) -> QuestionCorrelations:
    survey, spec = await _survey_question(session, code, question)
    return await analysis.correlations(
        session,
        survey,
        spec,
        first=waves.first,
        last=waves.last,
        filters=who.filters,
        weighting=who.weighting,
        districts=who.districts,
    )


@router.put(
    "/surveys/{code}/population",
    response_model=PopulationMargins,
    summary="Upload population margins (age band x sex, area); replaces the earlier ones",
    responses=problem_responses(404),
)
async def put_population(
    code: SurveyCode, payload: PopulationMargins, session: SessionDep, _: Writer
) -> PopulationMargins:
    return await service.put_population(session, code, payload)


@router.get(
    "/surveys/{code}/population",
    response_model=PopulationMargins,
    summary="The population margins in use",
    responses=problem_responses(404),
)
async def get_population(code: SurveyCode, session: SessionDep, _: Reader) -> PopulationMargins:
    return await service.get_population(session, code)


@router.get(
    "/surveys/{code}/representativeness",
    response_model=Representativeness,
    summary="Who answered: respondent mix against the population, and what raking costs",
    description="Mix of respondents from `from` to `to` (default: the latest wave) by age band "
    "x sex, age band, sex and area, against the population margins; per wave the raking "
    "weights' design effect, effective n and largest weight (capped at 5x the mean).",
    responses=problem_responses(404),
)
async def representativeness(
    code: SurveyCode,
    session: SessionDep,
    principal: Reader,
    waves: Waves,
) -> Representativeness:
    survey = await service.require_survey(session, code)
    return await analysis.representativeness(
        session, survey, first=waves.first, last=waves.last, districts=principal.districts
    )


@router.get(
    "/surveys/{code}/comments",
    response_model=CursorPage[CommentRead],
    summary="Search free-text answers (needs the survey:read scope)",
    responses=problem_responses(404),
)
async def search_comments(
    code: SurveyCode,
    session: SessionDep,
    principal: Reader,
    q: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Text to find.")
    ] = None,
    question: Annotated[str | None, Query(max_length=60)] = None,
    wave: WaveQuery = None,
    area: Demographic = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> CursorPage[CommentRead]:
    items, next_cursor = await service.search_comments(
        session,
        code,
        q=q,
        question=question,
        wave=wave,
        area=area,
        cursor=cursor,
        limit=limit,
        districts=principal.districts,
    )
    return CursorPage(items=items, limit=limit, next_cursor=next_cursor)
