"""Contract of `GET /api/v1/areas/{code}/summary`: registry counts the KPI service reads.

Counting rules (published): an area covers itself and every area under it (a force its
districts and neighbourhoods, a district its neighbourhoods). Beat profiles are those of the
neighbourhoods covered; a profile is complete when it has contact details and a team photo
(the activity service's beat-profile completeness, as the profile is now: the registry keeps no
history of profiles). A neighbourhood's priorities are current on a day when one of its
priorities has an issue date or action date in the `priority_months` months up to that day
(priorities without dates never count). A community group is active on a day when it started
on or before it (or has no start date) and has not ended before it; a group marked inactive
without an end date counts as ended. Groups without an area count for no area but the force.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

MAX_SUMMARY_DAYS = 120


class AreaRef(BaseModel):
    """An area as other services need it (the activity service's area, fewer fields)."""

    model_config = ConfigDict(extra="ignore")

    code: str
    name: str
    kind: str = Field(description="`force`, `district` or `neighbourhood`.")
    parent: str | None = None
    district: str | None = None
    force: str | None = None


class RegisterCounts(BaseModel):
    on: date = Field(description="The day counted (local date).")
    neighbourhoods: int = Field(description="Neighbourhoods (beat profiles) covered.")
    profiles_complete: int = Field(description="Of them, with contact details and a team photo.")
    profile_complete_share: float | None = Field(description="0-1; null without neighbourhoods.")
    priorities_current: int = Field(description="Of them, with a priority dated recently.")
    priorities_current_share: float | None
    active_groups: dict[str, int] = Field(
        description="Community groups active on the day, by group type (types with none left out)."
    )


class RegisterSummary(BaseModel):
    area: str
    kind: str
    priority_months: int
    days: list[RegisterCounts]
