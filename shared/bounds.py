"""Plausible values: dates and instants between 1900 and 2100, instants with a UTC offset.

A year 1000 start or a 9999 end is a typing slip, not an engagement; refused with a 422 that
says why, and the range is written into the schema's description so clients know it first.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

FIRST_YEAR = 1900
LAST_YEAR = 2100
RANGE_TEXT = f"between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31"
INSTANT_TEXT = (
    f"An instant with a UTC offset (RFC 3339, e.g. `2022-09-14T18:30:00+01:00` or `...Z`; an "
    f"offset is required), {RANGE_TEXT}; stored as UTC."
)
DATE_TEXT = f"An ISO date (`YYYY-MM-DD`), {RANGE_TEXT}."
# The range as the schema can state it, so generated clients and fuzzers know it too.
_YEARS = r"(19\d{2}|20\d{2}|2100)"
DATE_PATTERN = rf"^{_YEARS}-\d{{2}}-\d{{2}}$"
INSTANT_PATTERN = rf"^{_YEARS}-\d{{2}}-\d{{2}}[Tt ]\d{{2}}:\d{{2}}.*([Zz]|[+-]\d{{2}}:?\d{{2}})$"


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_text(value: object) -> object:
    # Only `YYYY-MM-DD` (or a date): pydantic alone would read `0` or `1663176600` as a Unix
    # time, which no client of a date field means.
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise PydanticCustomError("date_format", "must be an ISO date, YYYY-MM-DD")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError("date_type", "must be an ISO date string, YYYY-MM-DD")
    return value


def _plausible_date(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PydanticCustomError("date_out_of_range", f"must be {RANGE_TEXT}")
    return value


def _aware(value: object) -> object:
    # Checked before parsing finishes, so the message names what is missing (pydantic's own
    # "should have timezone info" reads as a server detail); a number is not an instant.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError("datetime_type", "must be an RFC 3339 date-time string")
    if isinstance(value, str):
        if value.strip().lstrip("-").replace(".", "", 1).isdigit():
            raise PydanticCustomError("datetime_type", "must be an RFC 3339 date-time string")
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return value  # pydantic says what is wrong with it
        if parsed.tzinfo is None:
            raise PydanticCustomError(
                "timezone_required",
                "a UTC offset is required (e.g. +01:00 or Z): a local time without one is "
                "ambiguous",
            )
    return value


def _plausible_instant(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise PydanticCustomError(
            "timezone_required", "a UTC offset is required (e.g. +01:00 or Z)"
        )
    _plausible_date(value.date())  # the date as written, in its own offset
    return value


PlausibleDate = Annotated[
    date,
    BeforeValidator(_iso_date_text),
    AfterValidator(_plausible_date),
    WithJsonSchema(
        {"type": "string", "format": "date", "pattern": DATE_PATTERN, "description": DATE_TEXT}
    ),
]
PlausibleInstant = Annotated[
    datetime,
    BeforeValidator(_aware),
    AfterValidator(_plausible_instant),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": INSTANT_PATTERN,
            "description": INSTANT_TEXT,
        }
    ),
]
