from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class KpiSettings(ServiceSettings):
    """KPI service settings (prefix `KPI_`), e.g. `KPI_DATABASE_URL`."""

    model_config = SettingsConfigDict(env_prefix="KPI_", extra="ignore")

    service_name: str = "kpi"
    activity_url: str | None = Field(
        default=None, description="Base URL of the activity service (`hub up` sets it)."
    )
    survey_url: str | None = Field(
        default=None, description="Base URL of the survey service (`hub up` sets it)."
    )
    source_api_key: SecretStr | None = Field(
        default=None,
        description="The KPI service's credential at its sources (default: the bootstrap key).",
    )
    source_timeout_s: float = Field(
        default=5.0, gt=0, le=60, description="Longest wait for one source call."
    )
    source_connect_timeout_s: float = Field(default=1.0, gt=0, le=30)
    source_max_connections: int = Field(default=20, ge=1, le=200)
    area_cache_s: float = Field(
        default=30.0, ge=0, le=3600, description="How long the activity service's areas are kept."
    )
    import_max_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="Largest CSV import file."
    )

    def source_key(self) -> str | None:
        if self.source_api_key is not None and self.source_api_key.get_secret_value():
            return self.source_api_key.get_secret_value()
        bootstrap = self.hub().bootstrap_api_key
        return bootstrap.get_secret_value() if bootstrap is not None else None
