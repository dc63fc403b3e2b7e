"""Which service answers which path, and the HTTP clients kept per upstream."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
import httpx

from gateway.breaker import CircuitBreaker, CircuitState
from gateway.config import GatewaySettings

# First path segment under /api/v1 -> upstream service. Everything the activity service owns
# (activities, taxonomy, registries, actions) is listed; unknown segments are a 404 here.
ROUTES: dict[str, str] = {
    "activities": "activity",
    "taxonomy": "activity",
    "areas": "activity",
    "community-groups": "activity",
    "plans": "activity",
    "volunteer-hours": "activity",
    "actions": "activity",
    "police-uk": "activity",
    "surveys": "survey",
    "kpis": "kpi",
    "reports": "kpi",
}
# Web pages outside /api/v1 (mount path -> upstream); they sign in with a session cookie.
PAGES: dict[str, str] = {"dashboard": "kpi"}


@dataclass
class Upstream:
    """An upstream service: an aiohttp session for proxied calls (opened in the running loop,
    by the lifespan), an httpx client for the gateway's own calls (health, OpenAPI), and the
    circuit breaker of the proxied calls."""

    name: str
    base_url: str
    client: httpx.AsyncClient
    settings: GatewaySettings
    breaker: CircuitBreaker
    session: aiohttp.ClientSession | None = field(default=None, init=False)

    def public_location(self, location: str) -> str:
        """A `Location` naming this upstream's own address, as a path on the gateway (a
        relative reference): a redirect never shows a caller an internal address."""
        if location.startswith(self.base_url):
            return location[len(self.base_url) :] or "/"
        return location

    async def open(self) -> None:
        s = self.settings
        connector = aiohttp.TCPConnector(
            limit=s.max_connections, keepalive_timeout=s.upstream_keepalive_s
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=None,
                connect=s.pool_timeout_s + s.connect_timeout_s,  # pool wait + connect
                sock_connect=s.connect_timeout_s,
                sock_read=s.read_timeout_s,
            ),
            # A proxy passes bodies and headers on as they are: no decompression, no cookies,
            # no default User-Agent / Accept / Accept-Encoding of its own.
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
            trust_env=False,
        )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        await self.client.aclose()


def build_upstreams(
    settings: GatewaySettings,
    on_circuit_change: Callable[[str, CircuitState], None] | None = None,
) -> dict[str, Upstream]:
    # httpx only for the gateway's few own calls (readiness, OpenAPI): its pool cost a third
    # of the gateway's throughput when it carried the proxied calls (bench/gateway_proxy.py).
    timeout = httpx.Timeout(
        connect=settings.connect_timeout_s,
        read=settings.read_timeout_s,
        write=settings.read_timeout_s,
        pool=settings.pool_timeout_s,
    )
    out: dict[str, Upstream] = {}
    for name, url in (
        ("activity", settings.activity_url),
        ("survey", settings.survey_url),
        ("kpi", settings.kpi_url),
    ):
        client = httpx.AsyncClient(base_url=url.rstrip("/"), timeout=timeout, trust_env=False)
        breaker = CircuitBreaker(
            name,
            failures=settings.breaker_failures,
            open_s=settings.breaker_open_s,
            on_change=on_circuit_change,
        )
        out[name] = Upstream(name, url.rstrip("/"), client, settings, breaker)
    return out
