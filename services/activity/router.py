"""HTTP endpoints of the engagement log: thin, the rules live in `service.py` / `analytics.py`."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import func

from services.activity import analytics, repository, service
from services.activity.bodies import (
    ACTION_PATCH_BODY,
    ACTIVITY_PATCH_BODY,
    batch_request_body,
    read_batch,
    read_json_object,
)
from services.activity.config import ActivitySettings
from services.activity.models import Activity
from services.activity.schemas import (
    ActionListItem,
    ActivityCreate,
    ActivityRead,
    BatchResult,
    HistoryEntry,
    Overlap,
    OverlapActivity,
    ReviewIn,
)
from shared import audit
from shared.auth import Principal, forbidden, require_scope, service_principal
from shared.bounds import PlausibleDate
from shared.contracts.activity import AggregateDimension, AggregatePeriod, AggregateResponse
from shared.contracts.taxonomy import (
    ActivityStatus,
    ActivityType,
    Classification,
    Directorate,
    ReviewState,
    Topic,
    taxonomy_document,
)
from shared.db import Database, SessionDep
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, CursorPage, decode_cursor, encode_cursor
from shared.problems import invalid, problem_responses

router = APIRouter(tags=["activities"])


async def _fast_writer(request: Request) -> Principal:
    """`activity:write` without the documentation-only security sub-dependencies (the create
    path is the hot one); the security schemes are declared on the operation instead."""
    principal = service_principal(request)
    if not principal.allows("activity:write"):
        raise forbidden("activity:write")
    return principal


_fast_writer.hub_scope = "activity:write"  # type: ignore[attr-defined]  # the scope table test
FastWriter = Annotated[Principal, Depends(_fast_writer)]
SECURITY = {"security": [{"ApiKey": []}, {"Bearer": []}]}

Reader = Annotated[Principal, Depends(require_scope("activity:read"))]
Writer = Annotated[Principal, Depends(require_scope("activity:write"))]
Reviewer = Annotated[Principal, Depends(require_scope("activity:review"))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Any unique string (a UUID is best). A replay of a finished request returns "
        "the stored response with `Idempotent-Replayed: true`; reusing it with a different body "
        "is a 422; while the first request is still running, a 409. Keys are scoped to the "
        "caller and kept at least 24 h (`ACTIVITY_IDEMPOTENCY_TTL_HOURS`, default 48).",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        min_length=1,
        max_length=200,
        description="The ETag last read. Required: without it 428, when stale 412.",
    ),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=500)]

JSON = "application/json"


def _settings(request: Request) -> ActivitySettings:
    settings: ActivitySettings = request.app.state.settings
    return settings


def _prefix(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}/api/v1/activities"


def log_filters(
    principal: Reader,
    area: Annotated[str | None, Query(max_length=40)] = None,
    district: Annotated[str | None, Query(max_length=40)] = None,
    directorate: Directorate | None = None,
    activity_type: ActivityType | None = None,
    topic: Topic | None = None,
    classification: Classification | None = None,
    status: ActivityStatus | None = None,
    review_state: ReviewState | None = None,
    plan_id: uuid.UUID | None = None,
    from_: Annotated[
        PlausibleDate | None, Query(alias="from", description="First local day.")
    ] = None,
    to: Annotated[PlausibleDate | None, Query(description="Last local day (inclusive).")] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Full-text search over title, notes, community feedback, closing report "
            "and debrief; every word must match (stemmed, English).",
        ),
    ] = None,
) -> analytics.Filters:
    filters = analytics.Filters(
        area=area,
        district=district,
        directorate=directorate,
        activity_type=activity_type,
        topic=topic,
        classification=classification,
        status=status,
        review_state=review_state,
        plan_id=plan_id,
        from_=from_,
        to=to,
        q=q,
        districts=principal.districts,
    )
    filters.check()
    return filters


FiltersDep = Annotated[analytics.Filters, Depends(log_filters)]


async def _page(
    session: Any, conditions: list[Any], cursor: str | None, limit: int
) -> CursorPage[ActivityRead]:
    rows = await repository.list_activities(
        session, conditions=conditions, after=service.parse_cursor(cursor), limit=limit + 1
    )
    next_cursor = service.page_cursor(rows[limit - 1]) if len(rows) > limit else None
    page = rows[:limit]
    actions = await repository.actions_of(session, [r.id for r in page])
    return CursorPage(
        items=[service.to_read(r, actions[r.id]) for r in page],
        limit=limit,
        next_cursor=next_cursor,
    )


@router.get("/taxonomy", tags=["taxonomy"], summary="Every code list and written definition")
async def get_taxonomy(_: Reader) -> dict[str, Any]:
    return taxonomy_document()


@router.post(
    "/activities",
    status_code=201,
    response_model=ActivityRead,
    summary="Log an engagement activity",
    responses=problem_responses(409, 410),
    openapi_extra=SECURITY,
)
async def create_activity(
    payload: ActivityCreate,
    request: Request,
    principal: FastWriter,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    # No session dependency: most creates are a single INSERT, which runs on its own; the
    # others (and a single INSERT that stored nothing) take one transaction, committed here
    # before the response is sent, as every other write is.
    db: Database = request.app.state.db
    result = None
    trail = audit.trail_of(request)
    # With an audit trail the insert and its record go together: one statement on PostgreSQL;
    # SQLite has no data-modifying WITH, so there it is the one transaction below.
    alone = trail is None or not db.sqlite
    if alone and service.can_create_alone(payload, idempotency_key, principal):

        def record(activity_id: uuid.UUID) -> dict[str, Any]:
            assert trail is not None
            audit.note(request, targets=[activity_id])
            return trail.entry(request, outcome=audit.SUCCEEDED)

        result = await service.create_activity_alone(
            db,
            payload,
            principal=principal,
            location_prefix=_prefix(request),
            audit_record=None if trail is None else record,
        )
    if result is None:
        settings = _settings(request)
        async with audit.audited_transaction(request) as session:
            result = await service.create_activity(
                session,
                payload,
                principal=principal,
                idempotency_key=idempotency_key,
                location_prefix=_prefix(request),
                ttl_hours=settings.idempotency_ttl_hours,
                lock_timeout_ms=settings.idempotency_lock_timeout_ms,
            )
            audit.note(request, targets=[result.headers["Location"].rsplit("/", 1)[-1]])
    return Response(
        content=result.body, status_code=result.status_code, headers=result.headers, media_type=JSON
    )


BATCH_EXAMPLE = {
    "items": [
        {
            **ActivityCreate.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
        },
        {
            "id": "0b7d4a34-28f4-4c89-a3cf-5b0c0a3c1f42",
            "title": "Patrol conversation outside the library",
            "status": "completed",
            "starts_at": "2022-09-15T16:05:00+01:00",
            "directorate": "neighbourhood_partnerships",
            "activity_type": "patrol_interaction",
            "channel": "face_to_face",
            "classification": "interaction",
            "topics": ["asb"],
            "area": "BRS-01",
            "source": "mobile",
        },
    ]
}


@router.post(
    "/activities/batch",
    response_model=BatchResult,
    summary="Log up to 500 activities at once (a phone reconnecting)",
    description="Each item is validated and stored on its own: `created`, `replayed` (already "
    "stored with the same body), `conflict` (the id is taken by a different body), `gone` (the "
    "id is of an activity deleted since: 410, nothing stored) or `invalid` (with the problem). "
    "Every item needs a client-generated `id`, so resending a batch stores "
    "nothing twice. More than 500 items is a 422 naming `body.items`.",
    openapi_extra={"requestBody": batch_request_body(BATCH_EXAMPLE)},
)
async def create_batch(request: Request, session: SessionDep, principal: Writer) -> BatchResult:
    items = await read_batch(request)
    limit = _settings(request).batch_max_items
    if len(items) > limit:
        raise invalid("body.items", f"at most {limit} items per batch", "too_long")
    result = await service.create_batch(session, items, principal=principal)
    audit.note(request, targets=[i.id for i in result.items if i.outcome == "created"])
    return result


@router.get(
    "/activities",
    response_model=CursorPage[ActivityRead],
    summary="List logged activities, newest first (filters, full-text search, cursor)",
)
async def list_activities(
    session: SessionDep,
    _: Reader,
    filters: FiltersDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> CursorPage[ActivityRead]:
    conditions = filters.conditions(repository.dialect_of(session))
    return await _page(session, conditions, cursor, limit)


@router.get(
    "/activities/export.csv",
    summary="Export the log as CSV (same filters; streamed)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM."}},
)
async def export_csv(request: Request, _: Reader, filters: FiltersDep) -> StreamingResponse:
    await audit.record_export(request, filters.applied())
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        analytics.export_csv(request.app.state.db, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="activities-{stamp}.csv"'},
    )


@router.get(
    "/activities/aggregate",
    response_model=AggregateResponse,
    summary="Counts, attendees, young people and volunteer hours, grouped",
    description="Counting rules are in the contract (`shared/contracts/activity.py`): only "
    "completed activities count unless `status` says otherwise; periods are local "
    "(Europe/London) months, calendar quarters or years.",
)
async def aggregate(
    session: SessionDep,
    _: Reader,
    filters: FiltersDep,
    group_by: Annotated[
        list[str] | None,
        Query(
            max_length=7,
            description="Repeat or comma-separate: period, district, area, directorate, "
            "activity_type, classification, topic (default: period).",
        ),
    ] = None,
    period: AggregatePeriod = AggregatePeriod.month,
) -> AggregateResponse:
    names = [n.strip() for value in group_by or ["period"] for n in value.split(",")]
    dimensions: list[AggregateDimension] = []
    for index, name in enumerate(names):
        try:
            dimension = AggregateDimension(name)
        except ValueError as exc:
            allowed = ", ".join(d.value for d in AggregateDimension)
            raise invalid(
                f"query.group_by.{index}", f"{name!r} is not one of {allowed}", "enum"
            ) from exc
        if dimension not in dimensions:
            dimensions.append(dimension)
    return await analytics.aggregate(session, dimensions, period, filters)


@router.get(
    "/activities/overlaps",
    response_model=list[Overlap],
    summary="Planned activities of different directorates, same area or venue, same week",
)
async def overlaps(
    session: SessionDep,
    principal: Reader,
    district: Annotated[str | None, Query(max_length=40)] = None,
    area: Annotated[str | None, Query(max_length=40)] = None,
    from_: Annotated[PlausibleDate | None, Query(alias="from")] = None,
    to: PlausibleDate | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[Overlap]:
    pairs = await repository.overlaps(
        session, analytics.overlap_filters(district, area, from_, to), limit, principal.districts
    )
    return [
        Overlap(
            week_start=a.week_start,
            reason=reason,
            area=a.area_code if reason == "same_area" else None,
            venue=a.venue if reason == "same_venue" else None,
            first=_overlap_side(a),
            second=_overlap_side(b),
        )
        for a, b, reason in pairs
    ]


def _overlap_side(a: Activity) -> OverlapActivity:
    return OverlapActivity(
        id=a.id,
        title=a.title,
        directorate=a.directorate,  # type: ignore[arg-type]
        activity_type=a.activity_type,
        starts_at=a.starts_at,  # type: ignore[arg-type]
        area=a.area_code,
        venue=a.venue,
    )


@router.get(
    "/activities/unreconciled",
    response_model=CursorPage[ActivityRead],
    summary="Planned activities past their date, still neither completed nor cancelled",
)
async def unreconciled(
    session: SessionDep,
    principal: Reader,
    district: Annotated[str | None, Query(max_length=40)] = None,
    area: Annotated[str | None, Query(max_length=40)] = None,
    directorate: Directorate | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> CursorPage[ActivityRead]:
    filters = analytics.Filters(
        district=district,
        area=area,
        directorate=directorate,
        status=ActivityStatus.planned,
        districts=principal.districts,
    )
    now = datetime.now(UTC)
    conditions = [
        *filters.conditions(repository.dialect_of(session)),
        Activity.starts_at < now,  # type: ignore[operator]
        func.coalesce(Activity.ends_at, Activity.starts_at) < now,
    ]
    return await _page(session, conditions, cursor, limit)


@router.get(
    "/activities/{activity_id}",
    response_model=ActivityRead,
    summary="Get one activity",
    responses=problem_responses(404),
)
async def get_activity(
    activity_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> ActivityRead:
    activity, actions = await service.load(session, activity_id, principal.districts)
    response.headers["ETag"] = service.etag_of(activity)
    return service.to_read(activity, actions)


@router.patch(
    "/activities/{activity_id}",
    response_model=ActivityRead,
    summary="Amend an activity (JSON merge patch; If-Match required)",
    openapi_extra=ACTIVITY_PATCH_BODY,
    responses=problem_responses(404, 412, 428),
)
async def patch_activity(
    activity_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: Writer,
    response: Response,
    if_match: IfMatch = None,
) -> ActivityRead:
    patch = await read_json_object(request)
    activity, actions = await service.amend_activity(
        session, activity_id, patch, if_match=if_match, principal=principal
    )
    response.headers["ETag"] = service.etag_of(activity)
    return service.to_read(activity, actions)


@router.delete(
    "/activities/{activity_id}",
    status_code=204,
    summary="Delete an activity (soft, with a reason; If-Match required)",
    responses=problem_responses(404, 412, 428),
)
async def delete_activity(
    activity_id: uuid.UUID,
    session: SessionDep,
    principal: Writer,
    reason: Annotated[str, Query(min_length=3, max_length=500, description="Why it goes.")],
    if_match: IfMatch = None,
) -> Response:
    await service.delete_activity(
        session, activity_id, reason=reason.strip(), if_match=if_match, principal=principal
    )
    return Response(status_code=204)


@router.get(
    "/activities/{activity_id}/history",
    response_model=list[HistoryEntry],
    summary="Amendment history: who, when, which fields, old and new",
    responses=problem_responses(404),
)
async def get_history(
    activity_id: uuid.UUID, session: SessionDep, principal: Reader
) -> list[HistoryEntry]:
    return await service.history(session, activity_id, principal.districts)


@router.post(
    "/activities/{activity_id}/review",
    response_model=ActivityRead,
    summary="Approve an activity, or flag it with a comment (supervisors)",
    responses=problem_responses(404, 412),
)
async def review_activity(
    activity_id: uuid.UUID,
    review: ReviewIn,
    session: SessionDep,
    principal: Reviewer,
    response: Response,
    if_match: IfMatch = None,
) -> ActivityRead:
    activity, actions = await service.review_activity(
        session, activity_id, review, if_match=if_match, principal=principal
    )
    response.headers["ETag"] = service.etag_of(activity)
    return service.to_read(activity, actions)


@router.get(
    "/actions",
    response_model=CursorPage[ActionListItem],
    tags=["actions"],
    summary='"You said, we did" actions, soonest due first',
)
async def list_actions(
    session: SessionDep,
    principal: Reader,
    overdue: Annotated[bool, Query(description="Only actions past due and not done.")] = False,
    open_: Annotated[bool, Query(alias="open", description="Only actions not done.")] = False,
    area: Annotated[str | None, Query(max_length=40)] = None,
    district: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> CursorPage[ActionListItem]:
    after = None
    if cursor is not None:
        due, last_id = decode_cursor(cursor, size=2)
        try:
            after = (date.fromisoformat(due) if due else None, uuid.UUID(last_id))
        except (TypeError, ValueError) as exc:
            raise invalid("query.cursor", "not a cursor this service issued") from exc
    today = service.today_local()
    rows = await repository.overdue_actions(
        session,
        today=today,
        overdue_only=overdue,
        open_only=open_,
        area=area,
        district=district,
        after=after,
        limit=limit + 1,
        districts=principal.districts,
    )
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = encode_cursor([last.due_on.isoformat() if last.due_on else "", str(last.id)])
    items = [service.action_list_item(action, activity, today) for action, activity in rows[:limit]]
    return CursorPage(items=items, limit=limit, next_cursor=next_cursor)


@router.patch(
    "/actions/{action_id}",
    response_model=ActionListItem,
    tags=["actions"],
    summary='Update a "you said, we did" action (JSON merge patch; If-Match required)',
    description="Mark it done, record the outcome, change its owner or due date. The action is "
    'part of its activity: send the activity\'s ETag (`If-Match: "<activity_version>"`); the '
    "change is a new version of the activity, kept in its history. An approved activity stays "
    "approved.",
    openapi_extra=ACTION_PATCH_BODY,
    responses=problem_responses(404, 412, 428),
)
async def patch_action(
    action_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: Writer,
    response: Response,
    if_match: IfMatch = None,
) -> ActionListItem:
    patch = await read_json_object(request)
    activity, action = await service.amend_action(
        session, action_id, patch, if_match=if_match, principal=principal
    )
    response.headers["ETag"] = service.etag_of(activity)
    return service.action_list_item(action, activity, service.today_local())
