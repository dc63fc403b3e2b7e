from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class SurveySettings(ServiceSettings):
    """Survey service settings (prefix `SURVEY_`), e.g. `SURVEY_DATABASE_URL`."""

    model_config = SettingsConfigDict(env_prefix="SURVEY_", extra="ignore")

    service_name: str = "survey"
    upload_max_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1024, description="Largest accepted import file."
    )
