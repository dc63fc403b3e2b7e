from __future__ import annotations

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
    upstream_keepalive_s: float = Field(
        default=4.0,
        gt=0,
        description="How long an idle upstream connection is kept for reuse. Keep it under the "
        "services' own keep-alive (uvicorn: 5 s): reusing a connection the service is closing "
        "fails the call.",
    )
    rate_limit_per_s: float = Field(
        default=1000.0,
        ge=0,
        description="Sustained requests per second per API key (0 turns rate limiting off).",
    )
    rate_limit_burst: int = Field(default=2000, ge=1, description="Requests allowed at once.")
    police_uk_public: bool = Field(
        default=True,
        validation_alias="HUB_POLICE_UK_PUBLIC",
        description="Let `/api/v1/police-uk/` reads through without a credential.",
    )
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    upload_max_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1024, description="Limit for survey file uploads."
    )
