"""The app's source clients as a FastAPI dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.kpi.sources.clients import SourceClients


def sources_of(request: Request) -> SourceClients:
    """The app's sources, reading on behalf of this request's caller."""
    sources: SourceClients = request.app.state.sources
    return sources.for_request(request)


SourcesDep = Annotated[SourceClients, Depends(sources_of)]
