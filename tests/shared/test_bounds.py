"""The plausibility rules of dates and instants, on their own."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pydantic import BaseModel, ValidationError

from shared.bounds import PlausibleDate, PlausibleInstant


class Dated(BaseModel):
    at: PlausibleInstant | None = None
    on: PlausibleDate | None = None


@pytest.mark.parametrize(
    "value", ["1900-01-01T00:00:00Z", "2022-09-14T18:30:00+01:00", "2100-12-31T23:59:59-05:00"]
)
def test_instants_in_range_with_an_offset_are_accepted(value: str) -> None:
    parsed = Dated.model_validate_json(f'{{"at": "{value}"}}').at
    assert isinstance(parsed, datetime)
    assert parsed.tzinfo is not None


@pytest.mark.parametrize("value", ["1000-01-01T00:00:00Z", "9999-12-31T00:00:00Z"])
def test_instants_out_of_range_are_refused(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Dated.model_validate_json(f'{{"at": "{value}"}}')
    (error,) = caught.value.errors()
    assert error["type"] == "date_out_of_range"
    assert "between 1900-01-01 and 2100-12-31" in error["msg"]


def test_a_naive_instant_is_refused_saying_an_offset_is_required() -> None:
    with pytest.raises(ValidationError) as caught:
        Dated.model_validate_json('{"at": "2022-09-14T18:30:00"}')
    (error,) = caught.value.errors()
    assert error["type"] == "timezone_required"
    assert "offset is required" in error["msg"]


@pytest.mark.parametrize(
    ("value", "ok"),
    [("1900-01-01", True), ("2100-12-31", True), ("0001-01-01", False), ("9999-12-31", False)],
)
def test_dates_are_bounded(value: str, ok: bool) -> None:
    if ok:
        assert Dated.model_validate_json(f'{{"on": "{value}"}}').on == date.fromisoformat(value)
    else:
        with pytest.raises(ValidationError):
            Dated.model_validate_json(f'{{"on": "{value}"}}')


def test_the_schema_states_the_range_and_the_offset() -> None:
    schema = Dated.model_json_schema()["properties"]
    instant = schema["at"]["anyOf"][0]
    assert instant["format"] == "date-time"
    assert "offset is required" in instant["description"]
    assert "1900" in schema["on"]["anyOf"][0]["description"]
