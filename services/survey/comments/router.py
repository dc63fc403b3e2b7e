"""HTTP endpoint of the comment search: thin, the rules live in `service.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.survey.comments import service
from services.survey.comments.schemas import CommentRead
from services.survey.deps import Demographic, Reader, SurveyCode, WaveQuery
from shared.db import SessionDep
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, CursorPage
from shared.problems import problem_responses

router = APIRouter(tags=["surveys"])


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
