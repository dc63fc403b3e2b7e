"""Which service answers which path, and the one HTTP client kept per upstream."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from httpx_aiohttp import AiohttpTransport

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


@dataclass
class Upstream:
    name: str
    base_url: str
    client: httpx.AsyncClient


def build_upstreams(settings: GatewaySettings) -> dict[str, Upstream]:
    timeout = httpx.Timeout(
        connect=settings.connect_timeout_s,
        read=settings.read_timeout_s,
        write=settings.read_timeout_s,
        pool=settings.pool_timeout_s,
    )
    limits = httpx.Limits(
        max_connections=settings.max_connections,
        max_keepalive_connections=settings.max_connections,
        keepalive_expiry=30,
    )
    out: dict[str, Upstream] = {}
    for name, url in (
        ("activity", settings.activity_url),
        ("survey", settings.survey_url),
        ("kpi", settings.kpi_url),
    ):
        # httpx's own pool is the slow part of a proxied call (encode/httpx#3215); the aiohttp
        # transport keeps the httpx API at a fraction of that cost (bench/gateway_proxy.py).
        transport: httpx.AsyncBaseTransport = (
            AiohttpTransport(limits=limits, trust_env=False)
            if settings.upstream_transport == "aiohttp"
            else httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
        )
        client = httpx.AsyncClient(
            base_url=url.rstrip("/"), timeout=timeout, limits=limits, transport=transport
        )
        out[name] = Upstream(name, url.rstrip("/"), client)
    return out
