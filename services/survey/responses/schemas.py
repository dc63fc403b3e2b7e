"""Request and response models of responses sent as JSON."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from services.survey.fields import Category, StrictModel
from services.survey.responses.models import CHOICE_SLOTS, TEXT_SLOTS
from shared.bounds import PlausibleDate
from shared.contracts.survey import Wave


def _wave_any_case(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


# As in import files: `2022-q3` is read as `2022-Q3`.
AnyCaseWave = Annotated[Wave, BeforeValidator(_wave_any_case)]


class ResponseIn(StrictModel):
    respondent_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]
    wave: AnyCaseWave | None = Field(
        default=None, description="`YYYY-Qn` (any case, as in import files)."
    )
    interview_date: PlausibleDate | None = None
    area: Category | None = None
    age_band: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    sex: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    ethnicity: Category | None = None
    weight: float = Field(default=1.0, gt=0, le=1_000_000, allow_inf_nan=False, strict=True)
    answers: dict[str, Annotated[str, StringConstraints(max_length=4000)] | None] = Field(
        default_factory=dict,
        max_length=CHOICE_SLOTS + TEXT_SLOTS,
        description="Question code -> answer code or label (any case); free text as written.",
    )

    @model_validator(mode="after")
    def _wave_or_date(self) -> ResponseIn:
        if self.wave is None and self.interview_date is None:
            raise ValueError("give the wave or the interview date")
        return self


class ResponsesSubmit(StrictModel):
    """A small set of responses (e.g. from an online form). All are stored, or none."""

    responses: list[ResponseIn] = Field(min_length=1, max_length=5000)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "responses": [
                        {
                            "respondent_id": "WEB-2022-000123",
                            "interview_date": "2022-09-14",
                            "area": "BRS-EAST",
                            "age_band": "35-44",
                            "sex": "female",
                            "ethnicity": "white_british",
                            "answers": {
                                "informed": "Not very well informed",
                                "have_say": "no",
                                "seen_officer": "yes",
                                "confidence": "tend_to_agree",
                                "comments": "More patrols near the park in the evening, please.",
                            },
                        }
                    ]
                }
            ]
        },
    )


class ResponsesResult(BaseModel):
    received: int
    inserted: int
    updated: int
    unchanged: int
