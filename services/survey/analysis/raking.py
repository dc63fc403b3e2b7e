"""Weighting by raking: each wave's respondents raked to the population margins (age band x
sex, area); the cells of a wave share one weight, trimmed at RAKE_CAP times the mean.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.analysis import repository
from services.survey.analysis.repository import Scope
from services.survey.analysis.schemas import WaveWeighting
from services.survey.population.repository import margin_rows
from services.survey.surveys.definition import SurveyDef
from shared.problems import PROBLEM_BASE, ProblemError
from shared.statistics import design_effect, effective_n, rake

RAKE_CAP = 5.0


CellKey = tuple[str, str | None, str | None, str | None]  # wave, age band, sex, area


async def load_margins(session: AsyncSession, survey: SurveyDef) -> dict[str, dict[str, float]]:
    """Dimension -> category -> population of the survey's margins."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for dimension, category, population in await margin_rows(session, survey.id):
        out[dimension][category] = float(population)
    return dict(out)


def _rake_dimensions(
    margins: dict[str, dict[str, float]], key: CellKey
) -> tuple[list[str | None], list[dict[str, float]]]:
    _, age, sex, area = key
    categories: list[str | None] = []
    targets: list[dict[str, float]] = []
    if margins.get("age_band_sex"):
        categories.append(f"{age}|{sex}" if age is not None and sex is not None else None)
        targets.append(margins["age_band_sex"])
    if margins.get("area"):
        categories.append(area)
        targets.append(margins["area"])
    return categories, targets


def no_margins(survey: SurveyDef) -> ProblemError:
    return ProblemError(
        409,
        "Raked weighting needs population margins: PUT them to "
        f"/api/v1/surveys/{survey.code}/population first.",
        type_=PROBLEM_BASE + "no-population-margins",
    )


@dataclass
class Raking:
    factors: dict[CellKey, float]
    per_wave: list[WaveWeighting]


async def raking(
    session: AsyncSession, survey: SurveyDef, first: str | None, last: str | None
) -> Raking:
    """Rake each wave's respondents to the population margins (cells share one weight)."""
    margins = await load_margins(session, survey)
    if not margins.get("age_band_sex") and not margins.get("area"):
        raise no_margins(survey)
    rows = await repository.cell_counts(session, survey.id, Scope(first, last, {}))
    by_wave: dict[str, list[tuple[CellKey, int]]] = defaultdict(list)
    for wave, age, sex, area, count in rows:
        by_wave[wave].append(((wave, age, sex, area), int(count)))
    # Iterative fitting is pure Python: run it in a worker thread, off the event loop.
    return await anyio.to_thread.run_sync(_rake_waves, dict(by_wave), margins)


def _rake_waves(
    by_wave: dict[str, list[tuple[CellKey, int]]], margins: dict[str, dict[str, float]]
) -> Raking:
    factors: dict[CellKey, float] = {}
    per_wave: list[WaveWeighting] = []
    for wave in sorted(by_wave):
        cells = by_wave[wave]
        categories = []
        targets: list[dict[str, float]] = []
        for key, _ in cells:
            cats, targets = _rake_dimensions(margins, key)
            categories.append(cats)
        result = rake([c for _, c in cells], categories, targets, cap=RAKE_CAP)
        n = sum(c for _, c in cells)
        sw = math.fsum(c * w for (_, c), w in zip(cells, result.weights, strict=True))
        sw2 = math.fsum(c * w * w for (_, c), w in zip(cells, result.weights, strict=True))
        for (key, _), weight in zip(cells, result.weights, strict=True):
            factors[key] = weight
        per_wave.append(
            WaveWeighting(
                wave=wave,
                respondents=n,
                design_effect=design_effect(n, sw, sw2),
                effective_n=effective_n(sw, sw2),
                max_weight=max(result.weights),
                capped_cells=result.capped_cells,
                converged=result.converged,
            )
        )
    return Raking(factors, per_wave)
