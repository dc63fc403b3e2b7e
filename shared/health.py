"""Liveness (`/healthz`: the process answers) and readiness (`/readyz`: it can do its job)."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from shared.problems import problem_response

logger = logging.getLogger("hub.health")
READY_TIMEOUT_S = 2.0

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the database answers", response_model=None)
async def readyz(request: Request) -> JSONResponse:
    try:
        await asyncio.wait_for(request.app.state.db.ping(), READY_TIMEOUT_S)
    except Exception as exc:  # any failure means "not ready"; the reason goes to the log
        logger.warning("readiness check failed: %s", exc)
        return problem_response(
            503, detail="The database is not reachable.", extra={"checks": {"database": "failed"}}
        )
    return JSONResponse({"status": "ready", "checks": {"database": "ok"}})
