from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class KpiSettings(ServiceSettings):
    """KPI service settings (prefix `KPI_`), e.g. `KPI_DATABASE_URL`."""

    model_config = SettingsConfigDict(env_prefix="KPI_", extra="ignore")

    service_name: str = "kpi"
