"""Field types every domain of the activity service validates with."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
MidText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000)]
AreaCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$"
    ),
]
# Strict: a count is a JSON integer, never `"5"`, `5.0` or `true` (what the schema says).
Count = Annotated[int, Field(ge=0, le=1_000_000, strict=True)]


class StrictModel(BaseModel):
    """Unknown fields are refused, not ignored: a typo must not silently lose data."""

    model_config = ConfigDict(extra="forbid")
