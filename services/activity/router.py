"""HTTP endpoints of the activity service: thin, the rules live in `service.py`."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from services.activity import errors, repository, service
from services.activity.config import ActivitySettings
from services.activity.models import Activity
from services.activity.schemas import ActivityCreate, ActivityRead
from shared.auth import Principal, require_scope
from shared.contracts.taxonomy import (
    ActivityStatus,
    ActivityType,
    Classification,
    Directorate,
)
from shared.db import SessionDep
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, CursorPage
from shared.problems import invalid, problem_responses

router = APIRouter(tags=["activities"])

Reader = Annotated[Principal, Depends(require_scope("activity:read"))]
Writer = Annotated[Principal, Depends(require_scope("activity:write"))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Any unique string (a UUID is best). A replay of a finished request returns "
        "the stored response with `Idempotent-Replayed: true`; reusing it with a different body "
        "is a 422; while the first request is still running, a 409. Keys are kept at least 24 h.",
    ),
]

JSON = "application/json"


def _settings(request: Request) -> ActivitySettings:
    settings: ActivitySettings = request.app.state.settings
    return settings


@router.post(
    "/activities",
    status_code=201,
    response_model=ActivityRead,
    summary="Log an engagement activity",
    responses=problem_responses(409),
)
async def create_activity(
    payload: ActivityCreate,
    request: Request,
    session: SessionDep,
    principal: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    settings = _settings(request)
    result = await service.create_activity(
        session,
        payload,
        principal=principal,
        idempotency_key=idempotency_key,
        location_prefix=f"{request.scope.get('root_path', '')}/api/v1/activities",
        ttl_hours=settings.idempotency_ttl_hours,
        lock_timeout_ms=settings.idempotency_lock_timeout_ms,
    )
    return Response(
        content=result.body, status_code=result.status_code, headers=result.headers, media_type=JSON
    )


@router.get(
    "/activities",
    response_model=CursorPage[ActivityRead],
    summary="List logged activities, newest first",
)
async def list_activities(
    session: SessionDep,
    _: Reader,
    area: Annotated[str | None, Query(max_length=40)] = None,
    directorate: Directorate | None = None,
    activity_type: ActivityType | None = None,
    classification: Classification | None = None,
    status: ActivityStatus | None = None,
    from_: Annotated[date | None, Query(alias="from", description="First local day.")] = None,
    to: Annotated[date | None, Query(description="Last local day (inclusive).")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> CursorPage[ActivityRead]:
    if from_ is not None and to is not None and to < from_:
        raise invalid("query.to", "must not be before `from`")
    conditions: list[Any] = []
    if area is not None:
        conditions.append(Activity.area_code == area)
    for column, value in (
        (Activity.directorate, directorate),
        (Activity.activity_type, activity_type),
        (Activity.classification, classification),
        (Activity.status, status),
    ):
        if value is not None:
            conditions.append(column == value.value)
    if from_ is not None:
        conditions.append(Activity.starts_at >= service.local_day_start(from_))  # type: ignore[operator]
    if to is not None:
        conditions.append(Activity.starts_at < service.local_day_start(to + timedelta(days=1)))  # type: ignore[operator]
    rows = await repository.list_activities(
        session, conditions=conditions, after=service.parse_cursor(cursor), limit=limit + 1
    )
    next_cursor = service.page_cursor(rows[limit - 1]) if len(rows) > limit else None
    return CursorPage(
        items=[service.to_read(r) for r in rows[:limit]], limit=limit, next_cursor=next_cursor
    )


@router.get(
    "/activities/{activity_id}",
    response_model=ActivityRead,
    summary="Get one activity",
    responses=problem_responses(404),
)
async def get_activity(
    activity_id: uuid.UUID, session: SessionDep, _: Reader, response: Response
) -> ActivityRead:
    activity = await repository.get_activity(session, activity_id)
    if activity is None:
        raise errors.activity_not_found(activity_id)
    response.headers["ETag"] = service.etag_of(activity)
    return service.to_read(activity)
