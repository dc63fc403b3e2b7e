"""Searching free-text answers: one query per free-text question, merged in (respondent,
question) order under one cursor."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.comments.schemas import CommentRead
from services.survey.districts import in_districts
from services.survey.responses.models import Response
from services.survey.surveys.service import require_survey
from shared.pagination import decode_cursor, encode_cursor
from shared.problems import invalid

RESPONSES = Response.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__


async def search_comments(
    session: AsyncSession,
    code: str,
    *,
    q: str | None,
    question: str | None,
    wave: str | None,
    area: str | None,
    cursor: str | None,
    limit: int,
    districts: frozenset[str] | None = None,
) -> tuple[list[CommentRead], str | None]:
    survey = await require_survey(session, code)
    texts = [x for x in survey.questions if x.kind == "free_text"]
    if question is not None:
        texts = [x for x in texts if x.code == question]
        if not texts:
            raise invalid("query.question", f"{code} has no free-text question {question!r}")
    if not texts:
        return [], None
    after: tuple[str, str] | None = None
    if cursor is not None:
        values = decode_cursor(cursor, size=2)
        after = (str(values[0]), str(values[1]))
    # One branch per free-text question, merged in (respondent, question) order.
    items: list[CommentRead] = []
    for spec in texts:
        column = RESPONSES.c[spec.column]
        stmt = select(RESPONSES.c.respondent_id, RESPONSES.c.wave, RESPONSES.c.area, column).where(
            RESPONSES.c.survey_id == survey.id,
            column.is_not(None),
            *in_districts(RESPONSES.c.area, districts),
        )
        if q:
            stmt = stmt.where(func.lower(column).contains(q.lower(), autoescape=True))
        if wave:
            stmt = stmt.where(RESPONSES.c.wave == wave)
        if area:
            stmt = stmt.where(RESPONSES.c.area == area)
        if after is not None:
            if spec.code > after[1]:
                stmt = stmt.where(RESPONSES.c.respondent_id >= after[0])
            else:
                stmt = stmt.where(RESPONSES.c.respondent_id > after[0])
        stmt = stmt.order_by(RESPONSES.c.respondent_id).limit(limit + 1)
        for respondent, row_wave, row_area, body in (await session.execute(stmt)).all():
            items.append(
                CommentRead(
                    respondent_id=respondent,
                    wave=row_wave,
                    area=row_area,
                    question=spec.code,
                    text=body,
                )
            )
    items.sort(key=lambda c: (c.respondent_id, c.question))
    if after is not None:
        items = [c for c in items if (c.respondent_id, c.question) > after]
    page = items[:limit]
    next_cursor = (
        encode_cursor([page[-1].respondent_id, page[-1].question]) if len(items) > limit else None
    )
    return page, next_cursor
