"""HTTP endpoints of the engagement log: thin, the rules are in `service.py`, `create.py`,
`batch.py`. `item_router` (one activity) is included after the finding routes, whose paths
its `/activities/{activity_id}` would otherwise take."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from services.activity.activities import batch, create, history, service
from services.activity.activities.schemas import (
    ActivityCreate,
    ActivityRead,
    BatchResult,
    HistoryEntry,
    ReviewIn,
)
from services.activity.activities.values import etag_of, to_read
from services.activity.analytics.filters import FiltersDep
from services.activity.bodies import (
    ACTIVITY_PATCH_BODY,
    batch_request_body,
    read_batch,
    read_json_object,
)
from services.activity.config import ActivitySettings
from services.activity.deps import Cursor, Limit, Reader, Reviewer, Writer
from services.activity.versioned import RequiredIfMatch
from shared import audit
from shared.auth import Principal, forbidden, service_principal
from shared.contracts.taxonomy import (
    taxonomy_document,
)
from shared.db import Database, SessionDep
from shared.pagination import DEFAULT_LIMIT, CursorPage
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
SECURITY: dict[str, Any] = {"security": [{"ApiKey": []}, {"Bearer": []}]}

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
JSON = "application/json"


def _settings(request: Request) -> ActivitySettings:
    settings: ActivitySettings = request.app.state.settings
    return settings


def _prefix(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}/api/v1/activities"


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
    if alone and create.can_create_alone(payload, idempotency_key, principal):

        def record(activity_id: uuid.UUID) -> dict[str, Any]:
            assert trail is not None
            audit.note(request, targets=[activity_id])
            return trail.entry(request, outcome=audit.SUCCEEDED)

        result = await create.create_activity_alone(
            db,
            payload,
            principal=principal,
            location_prefix=_prefix(request),
            audit_record=None if trail is None else record,
        )
    if result is None:
        settings = _settings(request)
        async with audit.audited_transaction(request) as session:
            result = await create.create_activity(
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
            **cast(dict[str, Any], ActivityCreate.model_config["json_schema_extra"])["examples"][0],
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
    result = await batch.create_batch(session, items, principal=principal)
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
    return await service.list_activities(session, filters, cursor, limit)


# One activity (after the finding routes: see the module's docstring).
item_router = APIRouter(tags=["activities"])


@item_router.get(
    "/activities/{activity_id}",
    response_model=ActivityRead,
    summary="Get one activity",
    responses=problem_responses(404),
)
async def get_activity(
    activity_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> ActivityRead:
    activity, actions = await service.load(session, activity_id, principal.districts)
    response.headers["ETag"] = etag_of(activity)
    return to_read(activity, actions)


@item_router.patch(
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
    if_match: RequiredIfMatch = None,
) -> ActivityRead:
    patch = await read_json_object(request)
    activity, actions = await service.amend_activity(
        session, activity_id, patch, if_match=if_match, principal=principal
    )
    response.headers["ETag"] = etag_of(activity)
    return to_read(activity, actions)


@item_router.delete(
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
    if_match: RequiredIfMatch = None,
) -> Response:
    await service.delete_activity(
        session, activity_id, reason=reason.strip(), if_match=if_match, principal=principal
    )
    return Response(status_code=204)


@item_router.get(
    "/activities/{activity_id}/history",
    response_model=list[HistoryEntry],
    summary="Amendment history: who, when, which fields, old and new",
    responses=problem_responses(404),
)
async def get_history(
    activity_id: uuid.UUID, session: SessionDep, principal: Reader
) -> list[HistoryEntry]:
    return await history.listing(session, activity_id, principal.districts)


@item_router.post(
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
    if_match: RequiredIfMatch = None,
) -> ActivityRead:
    activity, actions = await service.review_activity(
        session, activity_id, review, if_match=if_match, principal=principal
    )
    response.headers["ETag"] = etag_of(activity)
    return to_read(activity, actions)
