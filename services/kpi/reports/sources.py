"""The report and dashboard read the activity and survey services through the KPI service's own
source clients (`services.kpi.sources`: one URL, credential and timeout setting each). These
helpers read the endpoints whose answers the report embeds or lists as they are.

A source that is down, slow or answering an error raises `SourceUnavailable`, which the report
turns into a data-quality note instead of a 500.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from pydantic import AliasChoices, Field, RootModel
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    "AnswerCache",
    "Reads",
    "SourceClients",
    "SourceNotFound",
    "SourceUnavailable",
    "answer_cache",
    "get_all_pages",
    "get_json",
    "sources_of",
]


class AnyJson(RootModel[Any]):
    """An answer taken as it is (its contract lives in the source service)."""


class CacheSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    seconds: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        validation_alias=AliasChoices("KPI_REPORT_CACHE_S"),
        description="How long the report keeps a source's answer (0: never).",
    )


class AnswerCache:
    """Source answers kept for a short while across reports and pages (bounded). The survey's
    analyses of a long series take a second or more at 200k responses; a board's quarter is
    read again and again. Each report says when its figures were read (its as-of times)."""

    def __init__(self, seconds: float, size: int = 512) -> None:
        self.seconds = seconds
        self.size = size
        self._answers: OrderedDict[tuple[Any, ...], tuple[float, datetime, Any]] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> tuple[datetime, Any] | None:
        found = self._answers.get(key)
        if found is None or time.monotonic() - found[0] > self.seconds:
            return None
        self._answers.move_to_end(key)
        return found[1], found[2]

    def put(self, key: tuple[Any, ...], at: datetime, value: Any) -> None:
        if self.seconds <= 0:
            return
        self._answers[key] = (time.monotonic(), at, value)
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)


def answer_cache(request: Request) -> AnswerCache:
    cache: AnswerCache | None = getattr(request.app.state, "report_answers", None)
    if cache is None:
        cache = AnswerCache(CacheSettings().seconds)
        request.app.state.report_answers = cache
    return cache


@dataclass
class Reads:
    """One report's reads of its sources: through the cache, and when each source's oldest
    answer was read (the report's as-of time for that source)."""

    cache: AnswerCache | None = None
    as_of: dict[str, datetime] = field(default_factory=dict)

    async def json(
        self, client: ServiceClient, path: str, params: Mapping[str, Any] | None = None
    ) -> Any:
        key = (
            client.name,
            client.caller_districts(),
            path,
            tuple(sorted((k, str(v)) for k, v in (params or {}).items())),
        )
        hit = self.cache.get(key) if self.cache is not None else None
        if hit is not None:
            at, value = hit
        else:
            at, value = datetime.now(UTC), await get_json(client, path, params)
            if self.cache is not None:
                self.cache.put(key, at, value)
        self.as_of[client.name] = min(self.as_of.get(client.name, at), at)
        return value

    async def pages(
        self,
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
            page = await self.json(client, path, query)
            items.extend(page["items"])
            if not page.get("next_cursor"):
                return items, False
            query["cursor"] = page["next_cursor"]
        return items, True


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
    """Every item of a cursor-paginated list (not cached), and whether it stopped early."""
    return await Reads().pages(client, path, params, max_pages=max_pages)
