from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ActivitySettings(ServiceSettings):
    """Activity service settings (prefix `ACTIVITY_`), e.g. `ACTIVITY_DATABASE_URL`."""

    model_config = SettingsConfigDict(env_prefix="ACTIVITY_", extra="ignore")

    service_name: str = "activity"
    idempotency_ttl_hours: int = Field(
        default=48, ge=24, description="How long an Idempotency-Key is remembered (at least 24 h)."
    )
    idempotency_lock_timeout_ms: int = Field(
        default=5000,
        ge=100,
        description="How long a request waits for another in-flight request with the same key "
        "before answering 409.",
    )
    batch_max_items: int = Field(default=500, ge=1, le=500)
    batch_max_body_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="Body limit of a batch (500 activities with long notes) and of imports.",
    )
    month_count_fold_seconds: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="PostgreSQL: how often the appended monthly count changes are folded in "
        "(answers are exact either way; folding keeps aggregates fast).",
    )
    police_uk_public: bool = Field(
        default=True,
        validation_alias=AliasChoices("HUB_POLICE_UK_PUBLIC", "police_uk_public"),
        description="`/police-uk/` reads need no credential (as data.police.uk); false: they "
        "need `activity:read`.",
    )
