"""Field types every domain of the survey service validates with."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class StrictModel(BaseModel):
    """Unknown fields are refused, not ignored: a typo must not silently lose data."""

    model_config = ConfigDict(extra="forbid")
