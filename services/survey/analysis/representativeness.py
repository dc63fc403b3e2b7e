"""Who answered: the respondent mix against the population margins, and what raking costs
(design effect, effective n, largest weight) per wave.
"""

from __future__ import annotations

import math
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.analysis import repository
from services.survey.analysis.raking import load_margins, raking
from services.survey.analysis.repository import UNKNOWN, Scope
from services.survey.analysis.schemas import (
    MixCategory,
    MixDimension,
    Representativeness,
    WaveWeighting,
)
from services.survey.surveys.definition import SurveyDef


async def representativeness(
    session: AsyncSession,
    survey: SurveyDef,
    *,
    first: str | None,
    last: str | None,
    districts: frozenset[str] | None = None,
) -> Representativeness:
    await repository.custom_plans(session)
    margins = await load_margins(session, survey)
    by_wave = await repository.cell_counts(session, survey.id, Scope(first, last, {}, districts))
    present = sorted({r[0] for r in by_wave})
    if not present and (first is None or last is None):
        return Representativeness(
            survey=survey.code,
            from_wave=None,
            to_wave=None,
            respondents=0,
            margins_loaded=bool(margins),
            dimensions=[],
            weighting=[],
        )
    last = last or present[-1]
    first = first or last  # default: the latest wave alone
    scope = Scope(first, last, {})
    rows = [r[1:] for r in by_wave if first <= r[0] <= last]
    total = sum(int(r[3]) for r in rows)
    counts: dict[str, dict[str, int]] = {
        d: defaultdict(int) for d in ("age_band_sex", "age_band", "sex", "area")
    }
    for age, sex, area, count in rows:
        counts["age_band_sex"][f"{age or UNKNOWN}|{sex or UNKNOWN}"] += int(count)
        counts["age_band"][age or UNKNOWN] += int(count)
        counts["sex"][sex or UNKNOWN] += int(count)
        counts["area"][area or UNKNOWN] += int(count)
    population: dict[str, dict[str, float]] = {
        "age_band_sex": margins.get("age_band_sex", {}),
        "area": margins.get("area", {}),
    }
    derived_age: dict[str, float] = defaultdict(float)
    derived_sex: dict[str, float] = defaultdict(float)
    for key, value in population["age_band_sex"].items():
        age, _, sex = key.partition("|")
        derived_age[age] += value
        derived_sex[sex] += value
    population["age_band"] = dict(derived_age)
    population["sex"] = dict(derived_sex)
    dimensions: list[MixDimension] = []
    for dimension in ("age_band_sex", "age_band", "sex", "area"):
        pop = population[dimension]
        pop_total = math.fsum(pop.values())
        categories: list[MixCategory] = []
        for category in sorted(set(counts[dimension]) | set(pop)):
            n = counts[dimension].get(category, 0)
            sample_share = n / total if total else 0.0
            pop_share = pop[category] / pop_total if category in pop and pop_total else None
            categories.append(
                MixCategory(
                    category=category,
                    respondents=n,
                    sample_share=sample_share,
                    population_share=pop_share,
                    difference_pp=(sample_share - pop_share) * 100
                    if pop_share is not None
                    else None,
                    representation=sample_share / pop_share if pop_share else None,
                )
            )
        dimensions.append(MixDimension(dimension=dimension, categories=categories))
    weighting: list[WaveWeighting] = []
    if margins.get("age_band_sex") or margins.get("area"):
        weighting = (await raking(session, survey, scope.first, scope.last)).per_wave
    return Representativeness(
        survey=survey.code,
        from_wave=scope.first,
        to_wave=scope.last,
        respondents=total,
        margins_loaded=bool(margins),
        dimensions=dimensions,
        weighting=weighting,
    )
