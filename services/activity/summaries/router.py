"""`GET /api/v1/areas/{code}/summary`: registry counts on given days, for the KPIs."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from services.activity.summaries import service
from services.activity.summaries.schemas import MAX_SUMMARY_DAYS, RegisterSummary
from shared.auth import Principal, require_scope
from shared.contracts import registers
from shared.db import SessionDep
from shared.problems import problem_responses

router = APIRouter()

Reader = Annotated[Principal, Depends(require_scope("activity:read"))]


@router.get(
    "/areas/{code}/summary",
    response_model=RegisterSummary,
    tags=["areas"],
    summary="Beat profiles, current priorities and active community groups on given days",
    description=registers.__doc__ or "",
    responses=problem_responses(404),
)
async def area_summary(
    code: Annotated[str, Path(max_length=40)],
    session: SessionDep,
    _: Reader,
    on: Annotated[
        list[date],
        Query(
            min_length=1,
            max_length=MAX_SUMMARY_DAYS,
            description="Days to count on (repeat: `on=2022-07-31&on=2022-08-31`).",
        ),
    ],
    priority_months: Annotated[
        int, Query(ge=1, le=24, description="How recent a priority must be, in months.")
    ] = 3,
) -> RegisterSummary:
    return await service.summary(session, code, on, priority_months)
