from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, model_validator
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
    rate_limit: str = Field(
        default="1000/second",
        description="Requests per API key (`limits` notation: `1000/second`, `60000/minute`); "
        "empty turns the limit off.",
    )
    auth_failure_limit: str = Field(
        default="100/minute",
        description="Failed authentications per client address before a 429.",
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias="HUB_REDIS_URL",
        description="Redis holding the rate-limit counters of every gateway replica "
        "(`redis://host:6379/0`); unset: counters in this process.",
    )
    body_idle_timeout_s: float = Field(
        default=10.0, gt=0, description="A request body that sends nothing this long: 408."
    )
    body_min_bytes_per_s: float = Field(
        default=16 * 1024,
        gt=0,
        description="A request body must keep up this average rate after the grace period.",
    )
    body_grace_s: float = Field(default=5.0, ge=0, description="Before the rate applies.")
    retries: int = Field(
        default=2,
        ge=0,
        le=2,
        description="Retries on a connect error, for GET/HEAD and calls with Idempotency-Key.",
    )
    retry_backoff_s: float = Field(
        default=0.05, ge=0, description="Base delay before a retry (full jitter)."
    )
    breaker_failures: int = Field(
        default=5, ge=1, description="Consecutive failed calls that open an upstream's circuit."
    )
    breaker_open_s: float = Field(
        default=5.0, gt=0, description="How long an open circuit answers 503 before a probe."
    )
    hsts_max_age_s: int = Field(
        default=0, ge=0, description="Strict-Transport-Security max-age (0: no HSTS header)."
    )
    cors_origins: str = Field(
        default="",
        description="Origins allowed to call the API from a browser, comma-separated.",
    )
    docs_public: bool = Field(
        default=True, description="false: /docs, /redoc and /openapi.json need credentials."
    )
    police_uk_public: bool = Field(
        default=True,
        validation_alias="HUB_POLICE_UK_PUBLIC",
        description="Let `/api/v1/police-uk/` reads through without a credential.",
    )
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
    # --- dashboard sign-in (gateway/pages.py, gateway/sessions.py, gateway/oidc_flow.py) ---
    dashboard_secret: SecretStr | None = Field(
        default=None,
        description="Signs dashboard session cookies (the same on every replica); unset: "
        "derived from `HUB_INTERNAL_SECRET`.",
    )
    dashboard_session_hours: float = Field(
        default=8.0, gt=0, le=24 * 7, description="How long a dashboard sign-in lasts."
    )
    dashboard_secure_cookies: bool | None = Field(
        default=None,
        description="`Secure` dashboard cookies; unset: when the browser came over HTTPS "
        "(set true behind a TLS-terminating proxy).",
    )
    oidc_authorization_url: str | None = Field(
        default=None, description="The provider's authorization endpoint (dashboard sign-in)."
    )
    oidc_token_url: str | None = Field(default=None, description="Its token endpoint.")
    oidc_client_id: str | None = Field(default=None, description="The dashboard's client id.")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="Its secret, for a confidential client (else PKCE alone)."
    )
    oidc_redirect_url: str | None = Field(
        default=None,
        description="The callback URL registered at the provider; unset: "
        "`<scheme>://<host>/dashboard/sign-in/oidc/callback` of the request.",
    )
    oidc_sign_in_scopes: str = Field(
        default="openid profile", description="Scopes asked for at the provider."
    )
    oidc_provider_name: str = Field(
        default="single sign-on", description="The provider's name on the sign-in button."
    )

    @model_validator(mode="after")
    def _default_store(self) -> Any:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{HubSettings().data_dir / 'gateway.db'}"
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_jwks_url or self.oidc_jwks_file)

    @property
    def oidc_sign_in_enabled(self) -> bool:
        """The dashboard's authorization-code flow: tokens verified, and the endpoints known."""
        return self.oidc_enabled and bool(
            self.oidc_authorization_url and self.oidc_token_url and self.oidc_client_id
        )
