"""Request dependencies every router of the survey service declares: scopes, path codes, the
wave range and the respondents an analysis counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from services.survey.config import SurveySettings
from shared.auth import Principal, require_scope
from shared.contracts.survey import WAVE_PATTERN, Weighting
from shared.problems import invalid

Reader = Annotated[Principal, Depends(require_scope("survey:read"))]
Writer = Annotated[Principal, Depends(require_scope("survey:write"))]
SurveyCode = Annotated[str, Path(max_length=60, pattern=r"^[a-z0-9_\-]+$")]
QuestionCode = Annotated[str, Path(max_length=60, pattern=r"^[a-z0-9_]+$")]
WaveQuery = Annotated[str | None, Query(pattern=WAVE_PATTERN, description="A wave, e.g. 2022-Q3.")]
FromQuery = Annotated[
    str | None, Query(alias="from", pattern=WAVE_PATTERN, description="First wave (e.g. 2020-Q1).")
]
ToQuery = Annotated[str | None, Query(pattern=WAVE_PATTERN, description="Last wave (inclusive).")]
Demographic = Annotated[str | None, Query(max_length=60)]
WeightingQuery = Annotated[
    Weighting,
    Query(description="`supplied` (the imported weight), `raked` (to population margins), `none`."),
]
API = "/api/v1"


def settings_of(request: Request) -> SurveySettings:
    settings: SurveySettings = request.app.state.settings
    return settings


def prefix_of(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}{API}"


@dataclass(frozen=True)
class WaveRange:
    first: str | None
    last: str | None


def _wave_range(from_: FromQuery = None, to: ToQuery = None) -> WaveRange:
    if from_ is not None and to is not None and to < from_:
        raise invalid("query.to", "must not be before `from`")
    return WaveRange(from_, to)


@dataclass(frozen=True)
class Respondents:
    """Which respondents an analysis counts (demographic filters) and how they are weighted."""

    filters: dict[str, str]
    weighting: Weighting
    districts: frozenset[str] | None = None  # the caller's limit


def _respondents(
    principal: Reader,
    area: Demographic = None,
    age_band: Demographic = None,
    sex: Demographic = None,
    ethnicity: Demographic = None,
    weighting: WeightingQuery = Weighting.supplied,
) -> Respondents:
    values = {"area": area, "age_band": age_band, "sex": sex, "ethnicity": ethnicity}
    filters = {k: v for k, v in values.items() if v is not None}
    return Respondents(filters, weighting, principal.districts)


# The query parameters every analysis endpoint shares, declared once.
Waves = Annotated[WaveRange, Depends(_wave_range)]
Who = Annotated[Respondents, Depends(_respondents)]
