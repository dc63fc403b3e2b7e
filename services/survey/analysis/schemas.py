"""Response models of representativeness (the other analyses' models: shared/contracts)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class MixCategory(BaseModel):
    category: str
    respondents: int
    sample_share: float
    population_share: float | None = Field(description="Null: not in the population margins.")
    difference_pp: float | None = Field(description="sample - population, percentage points.")
    representation: float | None = Field(description="sample share / population share.")


class MixDimension(BaseModel):
    dimension: Literal["age_band_sex", "age_band", "sex", "area"]
    categories: list[MixCategory]


class WaveWeighting(BaseModel):
    wave: str
    respondents: int
    design_effect: float = Field(description="Kish: n * sum w^2 / (sum w)^2 of the raked weights.")
    effective_n: float
    max_weight: float = Field(description="Largest weight (mean 1); capped at 5.")
    capped_cells: int
    converged: bool


class Representativeness(BaseModel):
    survey: str
    from_wave: str | None
    to_wave: str | None
    respondents: int
    margins_loaded: bool
    dimensions: list[MixDimension]
    weighting: list[WaveWeighting] = Field(description="Raking per wave (empty without margins).")
