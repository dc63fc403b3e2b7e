from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    """Gateway settings. Upstreams use `HUB_*_URL` (shared with `hub up`); limits `GATEWAY_*`."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    activity_url: str = Field(default="http://127.0.0.1:8001", validation_alias="HUB_ACTIVITY_URL")
    survey_url: str = Field(default="http://127.0.0.1:8002", validation_alias="HUB_SURVEY_URL")
    kpi_url: str = Field(default="http://127.0.0.1:8003", validation_alias="HUB_KPI_URL")
    connect_timeout_s: float = Field(default=2.0, gt=0)
    read_timeout_s: float = Field(default=30.0, gt=0)
    pool_timeout_s: float = Field(default=5.0, gt=0)
    max_connections: int = Field(default=100, ge=1)
    rate_limit_per_s: float = Field(
        default=1000.0,
        ge=0,
        description="Sustained requests per second per API key (0 turns rate limiting off).",
    )
    rate_limit_burst: int = Field(default=2000, ge=1, description="Requests allowed at once.")
    upstream_transport: Literal["aiohttp", "httpx"] = Field(
        default="aiohttp",
        description="Transport under the httpx client: `aiohttp` (measured faster, see "
        "bench/gateway_proxy.py) or httpx's own `httpx` pool.",
    )
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    upload_max_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1024, description="Limit for survey file uploads."
    )
