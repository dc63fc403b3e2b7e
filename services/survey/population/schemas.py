"""Request and response models of population margins."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from services.survey.fields import Category, StrictModel

# More people than live on Earth is a typing slip, not a population.
MAX_POPULATION = 1e10


class AgeSexPopulation(StrictModel):
    age_band: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    sex: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    population: float = Field(
        gt=0,
        le=MAX_POPULATION,
        allow_inf_nan=False,
        strict=True,
        description="Count or share; normalised per dimension.",
    )


class AreaPopulation(StrictModel):
    area: Category
    population: float = Field(gt=0, le=MAX_POPULATION, allow_inf_nan=False, strict=True)


class PopulationMargins(StrictModel):
    """Population margins for weighting and representativeness; replaces earlier margins."""

    age_band_sex: list[AgeSexPopulation] = Field(min_length=1, max_length=500)
    area: list[AreaPopulation] = Field(default_factory=list, max_length=2000)

    @model_validator(mode="after")
    def _unique(self) -> PopulationMargins:
        cells = [(c.age_band, c.sex) for c in self.age_band_sex]
        if len(set(cells)) != len(cells):
            raise ValueError("each age band and sex once")
        areas = [a.area for a in self.area]
        if len(set(areas)) != len(areas):
            raise ValueError("each area once")
        return self

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "age_band_sex": [
                        {"age_band": "16-34", "sex": "female", "population": 160000},
                        {"age_band": "16-34", "sex": "male", "population": 165000},
                        {"age_band": "35-64", "sex": "female", "population": 250000},
                        {"age_band": "35-64", "sex": "male", "population": 245000},
                        {"age_band": "65+", "sex": "female", "population": 120000},
                        {"age_band": "65+", "sex": "male", "population": 100000},
                    ],
                    "area": [
                        {"area": "BRS-EAST", "population": 520000},
                        {"area": "SOM-WEST", "population": 520000},
                    ],
                }
            ]
        },
    )
