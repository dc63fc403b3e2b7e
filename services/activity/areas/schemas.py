"""Request and response bodies of the areas registry."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.activity.fields import AreaCode, Count, LongText, ShortText, StrictModel

# Beat-profile completeness is computed from what the police.uk API publishes (one rule,
# there); the area records and the KPI counts show it.
from services.activity.police_uk.schemas import Completeness
from shared.bounds import PlausibleDate
from shared.contracts.taxonomy import AreaKind

ContactKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_\-]{0,39}$")]
ContactValue = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class Centre(StrictModel):
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False, strict=True)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False, strict=True)


class Person(StrictModel):
    """A member of the neighbourhood team (the shape of data.police.uk's `people`)."""

    name: ShortText
    rank: ShortText | None = None
    bio: LongText | None = None
    photo_url: Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://")] | None = (
        None
    )
    contact_details: dict[ContactKey, ContactValue] = Field(default_factory=dict, max_length=30)


class Priority(StrictModel):
    """A neighbourhood priority (the shape of data.police.uk's `priorities`)."""

    issue: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    issue_date: PlausibleDate | None = None
    action: LongText | None = None
    action_date: PlausibleDate | None = None


class AreaFields(StrictModel):
    name: ShortText
    kind: AreaKind
    parent: AreaCode | None = Field(
        default=None,
        description="A district's force, or a neighbourhood's district (required for one).",
    )
    police_uk_force: ShortText | None = Field(default=None, description="e.g. `avon-and-somerset`")
    police_uk_id: ShortText | None = Field(default=None, description="data.police.uk id.")
    description: LongText | None = None
    centre: Centre | None = None
    population: Count | None = None
    contact_details: dict[ContactKey, ContactValue] = Field(default_factory=dict, max_length=30)
    people: list[Person] = Field(default_factory=list, max_length=100)
    priorities: list[Priority] = Field(default_factory=list, max_length=100)


class AreaIn(AreaFields):
    code: AreaCode

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # A neighbourhood of the demo store's district BRS (`make run`); sending it again
            # is a replay (200, nothing changed).
            "examples": [
                {
                    "code": "BRS-EASTON",
                    "name": "Easton and Lawrence Hill",
                    "kind": "neighbourhood",
                    "parent": "BRS",
                    "police_uk_force": "avon-and-somerset",
                    "police_uk_id": "BC193",
                    "contact_details": {"email": "easton.team@example.police.uk"},
                    "people": [
                        {
                            "name": "Neighbourhood sergeant",
                            "rank": "Sergeant",
                            "photo_url": "https://example.police.uk/photos/team-1.jpg",
                        }
                    ],
                    "priorities": [
                        {
                            "issue": "Drug dealing around the park",
                            "issue_date": "2022-07-01",
                            "action": "Weekly targeted patrols and a closure order.",
                            "action_date": "2022-08-15",
                        }
                    ],
                },
            ]
        },
    )


class AreaRead(BaseModel):
    code: str
    name: str
    kind: AreaKind
    parent: str | None
    district: str | None
    force: str | None
    police_uk_force: str | None
    police_uk_id: str | None
    description: str | None
    centre: Centre | None
    population: int | None
    contact_details: dict[str, str]
    people: list[Person]
    priorities: list[Priority]
    completeness: Completeness
    version: int
    created_at: datetime
    updated_at: datetime
