"""The survey service's district limit, applied by every query that reads responses."""

from __future__ import annotations

from typing import Any


def in_districts(area_column: Any, districts: frozenset[str] | None) -> list[Any]:
    """The service's one district rule: a caller limited to districts counts and reads only
    the responses of those districts. A response's `area` is the supplier's area code, and
    the force's suppliers code respondents by district (the codes of the activity service's
    districts, as the demo data does): so a limited caller sees the responses whose area is
    one of its districts, and none with another or an unknown area."""
    return [] if districts is None else [area_column.in_(sorted(districts))]
