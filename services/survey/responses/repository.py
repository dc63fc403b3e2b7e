"""Queries of responses sent as JSON. Flushes, never commits: the request boundary commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.responses.models import Response
from shared.db import table_of

RESPONSES = table_of(Response)
IDS_PER_QUERY = 500


async def stored_responses(
    session: AsyncSession, survey_id: int, columns: Sequence[str], respondent_ids: list[str]
) -> dict[str, dict[str, Any]]:
    """Respondent id -> the stored values of `columns` (which include `respondent_id`), for
    those of `respondent_ids` the survey has."""
    existing: dict[str, dict[str, Any]] = {}
    for start in range(0, len(respondent_ids), IDS_PER_QUERY):
        found = await session.execute(
            select(*(RESPONSES.c[c] for c in columns)).where(
                RESPONSES.c.survey_id == survey_id,
                RESPONSES.c.respondent_id.in_(respondent_ids[start : start + IDS_PER_QUERY]),
            )
        )
        for row in found.mappings():
            existing[row["respondent_id"]] = dict(row)
    return existing


async def update_response(
    session: AsyncSession, survey_id: int, values: dict[str, Any], now: datetime
) -> None:
    """The stored response of `values["respondent_id"]` takes `values`, sent by the API."""
    await session.execute(
        update(RESPONSES)
        .where(
            RESPONSES.c.survey_id == survey_id,
            RESPONSES.c.respondent_id == values["respondent_id"],
        )
        .values(**values, source="api", updated_at=now)
    )


async def insert_responses(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """New responses (complete rows); an IntegrityError when one was stored meanwhile."""
    await session.execute(insert(RESPONSES), rows)
