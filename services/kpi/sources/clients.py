"""httpx clients of the activity and survey services, read with the shared contracts.

Any failure of a source (refused, timed out, an error status, an answer that does not fit the
contract) is a `SourceUnavailable` with a reason a person can act on; the KPIs that need that
source say `unavailable`, the rest of the answer goes on.

The sources are read on the caller's behalf (`for_request`): the caller's signed identity goes
with each call (`shared.auth.forwarding_headers`, with just the source's read scope), so a
district-limited caller's figures count only its districts, as the source applies the limit.
Only the bootstrap key's calls (and calls with no caller, such as pages) use
`KPI_SOURCE_API_KEY`.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
from fastapi import Request
from pydantic import BaseModel, ValidationError

from services.kpi.config import KpiSettings
from services.kpi.sources.transport import AiohttpTransport
from shared.auth import Principal, forwarding_headers
from shared.contracts.activity import AggregateQuery, AggregateResponse
from shared.contracts.registers import AreaRef, RegisterSummary
from shared.contracts.survey import SurveyResults
from shared.pagination import MAX_LIMIT
from shared.requestid import current_request_id

M = TypeVar("M", bound=BaseModel)
KEEPALIVE_S = 4.0  # under the services' 5 s keep-alive


class SourceUnavailable(Exception):
    """A source could not answer; `reason` says which and why."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class SourceNotFound(SourceUnavailable):
    """The source answered 404 (e.g. an unknown area)."""


class ServiceClient:
    """One source service: base URL, credential, timeouts, a pooled httpx client."""

    def __init__(
        self,
        name: str,
        base_url: str | None,
        settings: KpiSettings,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.read_scope = f"{name}:read"
        self._request: Request | None = None
        self.base_url = base_url or None
        headers = {"Accept": "application/json"}
        key = settings.source_key()
        if key:
            headers["X-API-Key"] = key
        self._client = httpx.AsyncClient(
            base_url=base_url or "http://unconfigured.invalid",
            headers=headers,
            timeout=httpx.Timeout(
                settings.source_timeout_s, connect=settings.source_connect_timeout_s
            ),
            limits=httpx.Limits(
                max_connections=settings.source_max_connections,
                max_keepalive_connections=settings.source_max_connections,
                keepalive_expiry=KEEPALIVE_S,
            ),
            # Tests reach in-process apps through their own transports; otherwise aiohttp's.
            transport=transport
            or AiohttpTransport(
                max_connections=settings.source_max_connections, keepalive_s=KEEPALIVE_S
            ),
            trust_env=False,
        )

    def for_request(self, request: Request) -> Self:
        """This client reading on behalf of `request`'s caller (same connection pool)."""
        view = copy.copy(self)
        view._request = request
        return view

    def caller(self) -> Principal | None:
        """Whose limits the source applies: the caller, unless it is the bootstrap key (the
        configured source key then reads, as it does when there is no caller)."""
        if self._request is None:
            return None
        principal = getattr(self._request.state, "principal", None)
        if not isinstance(principal, Principal) or principal.key_id == "bootstrap":
            return None
        return principal

    def caller_districts(self) -> frozenset[str] | None:
        """The districts answers are limited to (None: force-wide), for keying caches."""
        caller = self.caller()
        return caller.districts if caller is not None else None

    async def get(self, path: str, params: Any, model: type[M]) -> M:
        if self.base_url is None:
            raise SourceUnavailable(
                self.name, f"the {self.name} service URL (KPI_{self.name.upper()}_URL) is not set"
            )
        headers = {}
        request_id = current_request_id()
        if request_id:
            headers["X-Request-ID"] = request_id
        caller = self.caller()
        if caller is not None and self._request is not None:
            # The identity wins over the configured key at the source (`ServiceCredentials`).
            headers.update(forwarding_headers(self._request, caller, scopes=[self.read_scope]))
        try:
            response = await self._client.get(path, params=params, headers=headers)
        except httpx.TimeoutException as exc:
            raise SourceUnavailable(
                self.name, f"the {self.name} service did not answer in time ({type(exc).__name__})"
            ) from exc
        except httpx.HTTPError as exc:
            raise SourceUnavailable(
                self.name, f"the {self.name} service is unreachable ({type(exc).__name__})"
            ) from exc
        if response.status_code == 404:
            raise SourceNotFound(self.name, _detail(response))
        if response.status_code != 200:
            raise SourceUnavailable(
                self.name,
                f"the {self.name} service answered {response.status_code}: {_detail(response)}",
            )
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise SourceUnavailable(
                self.name, f"the {self.name} service's answer does not fit the contract"
            ) from exc

    async def aclose(self) -> None:
        await self._client.aclose()


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or str(response.status_code)
    if isinstance(body, dict) and body.get("detail"):
        return str(body["detail"])[:300]
    return response.reason_phrase or str(response.status_code)


class AreaPage(BaseModel):
    items: list[AreaRef]
    next_cursor: str | None = None


class ActivitySource(ServiceClient):
    def __init__(
        self, settings: KpiSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__("activity", settings.activity_url, settings, transport)
        self._area_ttl = settings.area_cache_s
        # Per district limit: a limited caller sees only its districts' areas.
        self._areas: dict[frozenset[str] | None, tuple[float, dict[str, AreaRef]]] = {}

    async def aggregate(self, query: AggregateQuery) -> AggregateResponse:
        return await self.get("/api/v1/activities/aggregate", query.params(), AggregateResponse)

    async def register_summary(
        self, area: str, days: Sequence[date], priority_months: int
    ) -> RegisterSummary:
        params = [("on", d.isoformat()) for d in days]
        params.append(("priority_months", str(priority_months)))
        return await self.get(
            f"/api/v1/areas/{quote(area, safe='')}/summary", params, RegisterSummary
        )

    async def areas(self) -> Mapping[str, AreaRef]:
        """Every registered area by code, kept for `KPI_AREA_CACHE_S` seconds."""
        limit = self.caller_districts()
        cached = self._areas.get(limit)
        if cached is not None and time.monotonic() - cached[0] < self._area_ttl:
            return cached[1]
        found: dict[str, AreaRef] = {}
        cursor: str | None = None
        while True:
            params = {"limit": str(MAX_LIMIT), **({"cursor": cursor} if cursor else {})}
            page = await self.get("/api/v1/areas", params, AreaPage)
            found.update((a.code, a) for a in page.items)
            cursor = page.next_cursor
            if not cursor:
                break
        self._areas[limit] = (time.monotonic(), found)
        return found


class SurveySource(ServiceClient):
    def __init__(
        self, settings: KpiSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__("survey", settings.survey_url, settings, transport)

    async def results_by_wave_many(
        self, survey: str, questions: Sequence[str], first: str, last: str, area: str | None
    ) -> SurveyResults:
        """Several questions' results by wave in one call (one pass over the responses)."""
        params = {"questions": ",".join(questions), "by": "wave", "from": first, "to": last}
        if area is not None:
            params["area"] = area
        return await self.get(
            f"/api/v1/surveys/{quote(survey, safe='')}/results", params, SurveyResults
        )


class SourceClients:
    """The KPI service's sources, one client each (kept for the life of the app)."""

    def __init__(
        self,
        settings: KpiSettings,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        transports = transports or {}
        self.activity = ActivitySource(settings, transports.get("activity"))
        self.survey = SurveySource(settings, transports.get("survey"))

    def for_request(self, request: Request) -> SourceClients:
        """The sources read on behalf of `request`'s caller (see the module docstring)."""
        view = copy.copy(self)
        view.activity = self.activity.for_request(request)
        view.survey = self.survey.for_request(request)
        return view

    async def aclose(self) -> None:
        await self.activity.aclose()
        await self.survey.aclose()
