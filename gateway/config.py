from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import HubSettings


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
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    upload_max_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1024, description="Limit for survey file uploads."
    )
    # --- access (gateway/access.py, gateway/keys/, gateway/tokens.py) ---
    database_url: str = Field(
        default="",
        description="The gateway's own store (managed API keys, its audit records): "
        "`sqlite+aiosqlite:///<HUB_DATA_DIR>/gateway.db` by default, or PostgreSQL.",
    )
    db_pool_size: int = Field(default=5, ge=1, le=100)
    oidc_jwks_url: str | None = Field(default=None, description="OpenID Connect JWKS URL.")
    oidc_jwks_file: str | None = Field(default=None, description="Or a JWKS file.")
    oidc_issuer: str | None = Field(default=None, description="Required `iss` of tokens.")
    oidc_audience: str | None = Field(default=None, description="Required `aud` of tokens.")
    oidc_leeway_s: int = Field(default=60, ge=0, le=600, description="Clock-skew allowance.")
    oidc_scope_claim: str = Field(default="scope", description="Claim with Hub scopes.")
    oidc_roles_claim: str = Field(default="roles", description="Claim with role names.")
    oidc_role_scopes: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Roles to scopes, JSON: `{"analyst": ["survey:read", "kpi:read"]}`.',
    )
    oidc_districts_claim: str = Field(
        default="hub_districts", description="Claim limiting the caller to districts."
    )
    oidc_jwks_refresh_s: int = Field(default=300, ge=10, description="JWKS cache lifetime.")

    @model_validator(mode="after")
    def _default_store(self) -> Any:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{HubSettings().data_dir / 'gateway.db'}"
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_jwks_url or self.oidc_jwks_file)
