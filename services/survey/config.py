from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import HubSettings, ServiceSettings


class SurveySettings(ServiceSettings):
    """Survey service settings (prefix `SURVEY_`), e.g. `SURVEY_DATABASE_URL`."""

    model_config = SettingsConfigDict(env_prefix="SURVEY_", extra="ignore")

    service_name: str = "survey"
    upload_max_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1024, description="Largest accepted import file."
    )
    import_spool_dir: Path = Field(
        default=Path(""),
        description="Scratch space of this instance for an XLSX upload being imported "
        "(default: `<HUB_DATA_DIR>/survey-imports`); the uploaded files themselves are kept "
        "in the database, so any instance can run any import.",
    )
    import_batch_rows: int = Field(default=10_000, ge=100, le=200_000)
    import_concurrency: int = Field(
        default=2, ge=1, le=16, description="Imports this instance runs at once."
    )
    import_stale_seconds: int = Field(
        default=60,
        ge=5,
        description="A running import beats every quarter of this; one without a heartbeat "
        "this long is taken as interrupted (its worker died) and run again: on PostgreSQL by "
        "any instance, on SQLite at the next start.",
    )
    import_consumer: bool = Field(
        default=True,
        description="PostgreSQL: this instance runs queued imports (false: an API-only "
        "replica, which only queues them for the others).",
    )
    responses_max_items: int = Field(default=500, ge=1, le=5000)

    @model_validator(mode="after")
    def _default_spool_dir(self) -> SurveySettings:
        if self.import_spool_dir == Path(""):
            self.import_spool_dir = HubSettings().data_dir / "survey-imports"
        return self
