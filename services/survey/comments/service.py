"""Searching free-text answers: one query per free-text question, merged in (respondent,
question) order under one cursor."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.comments import repository
from services.survey.comments.schemas import CommentRead
from services.survey.surveys.service import require_survey
from shared.pagination import decode_cursor, encode_cursor
from shared.problems import invalid


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
        # A question after the cursor's in (respondent, question) order still has the
        # cursor's respondent to show; the others start after it.
        start = None if after is None else (after[0], spec.code > after[1])
        rows = await repository.answers_page(
            session,
            survey.id,
            spec.column,
            q=q,
            wave=wave,
            area=area,
            after=start,
            limit=limit + 1,
            districts=districts,
        )
        for respondent, row_wave, row_area, body in rows:
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
