"""HTTP clients of the activity and survey services, as the report and dashboard read them.

Cross-service data moves only over HTTP with the shared contracts: this module never touches
another service's tables. A source that is down, slow or answering an error raises
:class:`SourceUnavailable`, which the report turns into a data-quality note instead of a 500.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI, Request
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

logger = logging.getLogger("hub.kpi.reports")

MAX_PAGES = 40  # lists are read in pages of 500: at most 20,000 rows per list in a report


class SourceSettings(BaseSettings):
    """Where the sources are and how the KPI service authenticates to them."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    activity_url: str = Field(
        default="http://127.0.0.1:8001",
        validation_alias=AliasChoices("KPI_ACTIVITY_URL", "HUB_ACTIVITY_URL"),
    )
    survey_url: str = Field(
        default="http://127.0.0.1:8002",
        validation_alias=AliasChoices("KPI_SURVEY_URL", "HUB_SURVEY_URL"),
    )
    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("KPI_SOURCE_API_KEY", "HUB_BOOTSTRAP_API_KEY"),
    )
    timeout_s: float = Field(
        default=15.0, gt=0, validation_alias=AliasChoices("KPI_SOURCE_TIMEOUT_S")
    )
    survey_code: str = Field(default="opcc", validation_alias=AliasChoices("KPI_SURVEY_CODE"))


class SourceUnavailable(Exception):
    """A source could not give what was asked: why, in words a reader can act on."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


@dataclass
class Sources:
    activity: httpx.AsyncClient
    survey: httpx.AsyncClient
    survey_code: str = "opcc"

    async def aclose(self) -> None:
        await self.activity.aclose()
        await self.survey.aclose()


def build_sources(settings: SourceSettings | None = None) -> Sources:
    settings = settings or SourceSettings()
    headers = {}
    if settings.api_key is not None and settings.api_key.get_secret_value():
        headers["X-API-Key"] = settings.api_key.get_secret_value()
    timeout = httpx.Timeout(settings.timeout_s, connect=min(2.0, settings.timeout_s))

    def client(url: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=url.rstrip("/"), headers=headers, timeout=timeout, trust_env=False
        )

    return Sources(client(settings.activity_url), client(settings.survey_url), settings.survey_code)


@asynccontextmanager
async def sources_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Opens the clients once per process; tests put their own on `app.state` first."""
    owned = getattr(app.state, "report_sources", None) is None
    if owned:
        app.state.report_sources = build_sources()
    try:
        yield
    finally:
        if owned:
            await app.state.report_sources.aclose()
            app.state.report_sources = None


def sources_of(request: Request) -> Sources:
    sources: Sources = request.app.state.report_sources
    return sources


async def get_json(
    client: httpx.AsyncClient, source: str, path: str, params: Mapping[str, Any] | None = None
) -> Any:
    try:
        response = await client.get(path, params=dict(params or {}))
    except httpx.TimeoutException:
        raise SourceUnavailable(source, f"did not answer in time ({path})") from None
    except httpx.HTTPError as exc:
        raise SourceUnavailable(source, f"unreachable ({type(exc).__name__})") from None
    if response.status_code != 200:
        detail = ""
        if response.headers.get("content-type", "").startswith("application/problem+json"):
            detail = ": " + str(response.json().get("detail") or "")
        logger.warning("source %s answered %s on %s", source, response.status_code, path)
        raise SourceUnavailable(source, f"answered {response.status_code} on {path}{detail}")
    return response.json()


async def get_all_pages(
    client: httpx.AsyncClient, source: str, path: str, params: Mapping[str, Any] | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """Every item of a cursor-paginated list, and whether it stopped at MAX_PAGES."""
    items: list[dict[str, Any]] = []
    query = {**(params or {}), "limit": 500}
    for _ in range(MAX_PAGES):
        page = await get_json(client, source, path, query)
        items.extend(page["items"])
        if not page.get("next_cursor"):
            return items, False
        query["cursor"] = page["next_cursor"]
    return items, True
