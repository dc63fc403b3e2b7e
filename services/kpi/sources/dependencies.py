"""The app's source clients as a FastAPI dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.kpi.sources.clients import SourceClients


def sources_of(request: Request) -> SourceClients:
    """The app's sources, reading on behalf of this request's caller."""
    sources: SourceClients = request.app.state.sources
    return sources.for_request(request)


async def _request_sources(request: Request) -> SourceClients:
    # Async although it does no I/O: FastAPI hands a plain function dependency to its thread
    # pool, a round trip between threads on every scorecard and series.
    return sources_of(request)


SourcesDep = Annotated[SourceClients, Depends(_request_sources)]
