"""Settings shared by every process of the Hub.

Hub-wide values use the ``HUB_`` prefix; each service adds its own class with its own prefix
(``ACTIVITY_``, ``SURVEY_``, ``KPI_``, ``GATEWAY_``) built on :class:`ServiceSettings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class HubSettings(BaseSettings):
    """Values every service and the gateway read (prefix ``HUB_``)."""

    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where the SQLite files live.")
    bootstrap_api_key: SecretStr | None = Field(
        default=None,
        description="A key with every scope, for local use and tests. Logged as a warning.",
    )
    api_keys: str = Field(
        default="",
        description=(
            "Extra keys: comma-separated `id:sha256hex:scope scope ...` entries "
            "(the SHA-256 of the secret, never the secret itself)."
        ),
    )
    internal_secret: SecretStr | None = Field(
        default=None,
        description="Signs the identity the gateway forwards to the services (32+ characters; "
        "`hub up` generates one into the data dir).",
    )
    log_level: str = "INFO"
    log_json: bool = True


class ServiceSettings(BaseSettings):
    """Base of a service's settings: its database and its limits."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "service"
    database_url: str = ""
    # A steady pool: overflow connections are closed as soon as they are returned, so under
    # sustained concurrency above the pool size every request would pay a new connection
    # (measured: -30% POST throughput on PostgreSQL). Requests beyond the pool wait for one.
    db_pool_size: int = Field(default=20, ge=1, le=200)
    db_max_overflow: int = Field(default=0, ge=0, le=200)
    db_echo: bool = False
    db_pool_pre_ping: bool = Field(
        default=False,
        description="Test each pooled connection before use (one extra round trip per request).",
    )
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)

    @model_validator(mode="after")
    def _default_database(self) -> ServiceSettings:
        if not self.database_url:
            data_dir = HubSettings().data_dir
            self.database_url = f"sqlite+aiosqlite:///{data_dir / (self.service_name + '.db')}"
        return self

    def hub(self) -> HubSettings:
        return HubSettings()


def settings_env(settings: BaseSettings) -> dict[str, Any]:
    """Settings as a plain dict (secrets masked), for the start-up log line."""
    return settings.model_dump(mode="json")
