"""The report and dashboard read the activity and survey services through the KPI service's own
source clients (`services.kpi.sources`: one URL, credential and timeout setting each). These
helpers read the endpoints whose answers the report embeds or lists as they are.

A source that is down, slow or answering an error raises `SourceUnavailable`, which the report
turns into a data-quality note instead of a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import RootModel

from services.kpi.sources.clients import (
    ServiceClient,
    SourceClients,
    SourceNotFound,
    SourceUnavailable,
)
from services.kpi.sources.dependencies import sources_of

SURVEY_CODE = "opcc"  # the public-confidence survey the report is about
MAX_PAGES = 40  # lists are read in pages of 500: at most 20,000 rows per list in a report

__all__ = [
    "MAX_PAGES",
    "SURVEY_CODE",
    "SourceClients",
    "SourceNotFound",
    "SourceUnavailable",
    "get_all_pages",
    "get_json",
    "sources_of",
]


class AnyJson(RootModel[Any]):
    """An answer taken as it is (its contract lives in the source service)."""


async def get_json(
    client: ServiceClient, path: str, params: Mapping[str, Any] | None = None
) -> Any:
    return (await client.get(path, dict(params or {}), AnyJson)).root


async def get_all_pages(
    client: ServiceClient,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    max_pages: int = MAX_PAGES,
) -> tuple[list[dict[str, Any]], bool]:
    """Every item of a cursor-paginated list, and whether it stopped at `max_pages`."""
    items: list[dict[str, Any]] = []
    query = {**(params or {}), "limit": 500}
    for _ in range(max_pages):
        page = await get_json(client, path, query)
        items.extend(page["items"])
        if not page.get("next_cursor"):
            return items, False
        query["cursor"] = page["next_cursor"]
    return items, True
