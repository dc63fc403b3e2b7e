"""HTTP endpoints of the "you said, we did" actions: thin, the rules are in `service.py`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.activity.actions import service
from services.activity.actions.schemas import ActionListItem
from services.activity.activities.values import etag_of, today_local
from services.activity.bodies import ACTION_PATCH_BODY, read_json_object
from services.activity.deps import Cursor, Limit, Reader, Writer
from services.activity.versioned import RequiredIfMatch
from shared.bounds import PlausibleDate
from shared.contracts.activity import ActionSummary
from shared.db import SessionDep
from shared.pagination import DEFAULT_LIMIT, CursorPage
from shared.problems import problem_responses

# The tags of the log first, then "actions", as every operation of this service has them.
router = APIRouter(tags=["activities"])


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
    return await service.list_actions(
        session,
        overdue_only=overdue,
        open_only=open_,
        area=area,
        district=district,
        cursor=cursor,
        limit=limit,
        districts=principal.districts,
    )


@router.get(
    "/actions/summary",
    response_model=ActionSummary,
    tags=["actions"],
    summary='"You said, we did" actions counted: done, open and overdue',
    description="Exact counts in one query, at any volume (the list is paged). `from`/`to` "
    "select actions by the local date of the activity they were raised at; `overdue` means "
    "open and due before today (Europe/London). A caller limited to districts counts only "
    "their actions, as the list shows only theirs.",
    responses=problem_responses(422),
)
async def action_summary(
    session: SessionDep,
    principal: Reader,
    area: Annotated[str | None, Query(max_length=40)] = None,
    district: Annotated[str | None, Query(max_length=40)] = None,
    from_: Annotated[
        PlausibleDate | None, Query(alias="from", description="First local day.")
    ] = None,
    to: Annotated[PlausibleDate | None, Query(description="Last local day (inclusive).")] = None,
) -> ActionSummary:
    return await service.action_summary(
        session,
        area=area,
        district=district,
        from_=from_,
        to=to,
        districts=principal.districts,
    )


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
    if_match: RequiredIfMatch = None,
) -> ActionListItem:
    patch = await read_json_object(request)
    activity, action = await service.amend_action(
        session, action_id, patch, if_match=if_match, principal=principal
    )
    response.headers["ETag"] = etag_of(activity)
    return service.action_list_item(action, activity, today_local())
