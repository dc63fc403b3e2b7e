"""Request and response models of measurements."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from services.kpi.calculation.periods import PERIOD_PATTERN
from services.kpi.targets.schemas import AreaCode

SourceRef = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
MAX_ITEMS = 5000


class MeasurementIn(BaseModel):
    """One value for a KPI fed by measurements."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kpi": "two_minute_survey_response_rate",
                    "period": "2022-09",
                    "numerator": 412,
                    "denominator": 2950,
                    "source_ref": "two-minute-survey:2022-09",
                }
            ]
        },
    )

    kpi: Annotated[str, StringConstraints(max_length=60)]
    period: Annotated[str, StringConstraints(max_length=20)] = Field(
        description="`2022-09`, `2022-Q3` or `2022`.", json_schema_extra={"pattern": PERIOD_PATTERN}
    )
    area: AreaCode | None = Field(default=None, description="Omit for force-wide.")
    source_ref: SourceRef = Field(
        default="",
        description="The sender's own reference (a post id, a file and row): the identity is "
        "KPI + period + area + source_ref, so a resend changes nothing.",
    )
    value: float | None = Field(
        default=None,
        allow_inf_nan=False,
        description="The value in the KPI's unit; computed from numerator/denominator if left out.",
    )
    numerator: float | None = Field(default=None, allow_inf_nan=False)
    denominator: float | None = Field(default=None, allow_inf_nan=False)
    unit: str | None = Field(
        default=None, max_length=20, description="Optional check: must be the KPI's unit."
    )
    hour: int | None = Field(
        default=None, ge=0, le=23, description="Hour of day (0-23) for by-hour measurements."
    )


class Outcome(StrEnum):
    created = "created"
    updated = "updated"
    """Same identity, different value: a correction (the old value is replaced)."""
    unchanged = "unchanged"


class MeasurementResult(BaseModel):
    id: uuid.UUID
    kpi: str
    period: str
    area: str | None
    source_ref: str
    outcome: Outcome


class MeasurementsRecorded(BaseModel):
    created: int
    updated: int
    unchanged: int
    items: list[MeasurementResult] = Field(description="In the order sent (duplicates once).")
    warnings: list[str] = Field(default_factory=list)


class MeasurementRead(BaseModel):
    id: uuid.UUID
    kpi: str
    period: str
    area: str | None
    district: str | None
    source_ref: str
    hour: int | None
    value: float
    numerator: float | None
    denominator: float | None
    version: int
    recorded_at: datetime
    updated_at: datetime


class ImportFormat(StrEnum):
    measurements = "measurements"
    """Columns kpi, period, area, source_ref, value, numerator, denominator, unit, hour."""
    social_posts = "social_posts"
    """A Hootsuite-style post export: Date, Account, Network, Post ID, Impressions,
    Reactions (or Likes), Comments, Shares, Clicks."""
    station_hours = "station_hours"
    """Officers in and out of station: date, area, hour, officers_in, officers_out."""


class SocialAccountIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"area": "BRS", "network": "facebook"}]},
    )

    area: AreaCode | None = Field(default=None, description="Omit for a force-wide account.")
    network: Annotated[str, StringConstraints(max_length=40)] | None = None


class SocialAccountRead(BaseModel):
    account: str
    area: str | None
    district: str | None
    network: str | None
    updated_at: datetime


class ImportResult(BaseModel):
    format: ImportFormat
    rows: int = Field(description="Data rows read (blank rows skipped).")
    measurements: int = Field(description="Distinct measurements the rows made.")
    created: int
    updated: int
    unchanged: int
    warnings: list[str] = Field(default_factory=list)


def request_body(examples: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI `requestBody` of `POST /kpis/measurements`: one measurement, or a list of them
    (the body is read by `read_items`, so each item's errors are named `body.<i>.<field>`)."""
    # The item is a component (`components()`): generated clients model a union of an inline
    # object and an array of it as two clashing models.
    item = {"$ref": "#/components/schemas/MeasurementIn"}
    schema = {"anyOf": [item, {"type": "array", "items": item, "maxItems": MAX_ITEMS}]}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": schema,
                    "examples": {name: {"value": value} for name, value in examples.items()},
                }
            },
        }
    }


def _whole_body(_: int) -> str:
    return "body"


def _body_item(index: int) -> str:
    return f"body.{index}"


def read_items(raw: bytes) -> tuple[list[MeasurementIn], Callable[[int], str]]:
    """The measurements of a body and how to name where each came from; a 422 naming every
    failing field (`body.<field>` for one, `body.<i>.<field>` for a list) otherwise."""
    try:
        document = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": f"malformed JSON: {exc}"}]
        ) from exc
    where_of: Callable[[int], str]
    if isinstance(document, dict):
        documents: list[Any] = [document]
        where_of = _whole_body
    elif isinstance(document, list):
        documents = document
        where_of = _body_item
    else:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body",), "msg": "send a measurement or a list of them"}]
        )
    if len(documents) > MAX_ITEMS:
        raise RequestValidationError(
            [{"type": "too_long", "loc": ("body",), "msg": f"at most {MAX_ITEMS} measurements"}]
        )
    items: list[MeasurementIn] = []
    errors: list[dict[str, Any]] = []
    for index, one in enumerate(documents):
        try:
            items.append(MeasurementIn.model_validate(one))
        except ValidationError as exc:
            prefix = tuple(where_of(index).split("."))
            errors += [
                {**err, "loc": (*prefix, *err["loc"])} for err in exc.errors(include_url=False)
            ]
    if errors:
        raise RequestValidationError(errors)
    return items, where_of


def components() -> dict[str, Any]:
    """Schemas the hand-written request body refers to, for the service's OpenAPI document."""
    return {"MeasurementIn": MeasurementIn.model_json_schema()}
