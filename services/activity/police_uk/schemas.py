"""The data.police.uk shapes: what the Hub accepts as imports and what it serves back.

Import bodies are what data.police.uk answers, so a script can pipe them through unchanged:
fields that API adds and the Hub does not keep are ignored (unlike the Hub's own resources,
which refuse unknown fields). Answers use that API's names, nesting and formats: strings for
coordinates and population, `YYYY-MM-DDTHH:MM:SS` times, hyphenated `issue-date` and
`action-date`, null where it has no value.
"""

from __future__ import annotations

import math
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

Text = Annotated[str, Field(max_length=10_000)]
Short = Annotated[str, Field(max_length=500)]
Url = Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://")]
Contacts = dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=500)]]


def _coordinate_text(value: Any) -> Any:
    """A coordinate kept as the text it came in (data.police.uk sends strings), checked."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("must be a number or a numeric string")
    try:
        number = float(value)
    except ValueError as exc:
        raise ValueError("must be a number or a numeric string") from exc
    if not math.isfinite(number) or abs(number) > 180:
        raise ValueError("must be a finite coordinate")
    return value if isinstance(value, str) else repr(value)


CoordinateText = Annotated[str | None, BeforeValidator(_coordinate_text)]


def _date_part(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 10 and value[10] in "T ":
        return value[:10]
    return value


class Foreign(BaseModel):
    """A data.police.uk shape: extra fields of that API are ignored, not stored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


# --- imports -------------------------------------------------------------------------------


class PoliceCentre(Foreign):
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)


class PoliceLink(Foreign):
    url: Annotated[str, Field(min_length=1, max_length=500)]
    title: Short | None = None
    description: Text | None = None


class PoliceLocation(Foreign):
    name: Short | None = None
    type: Short | None = None
    address: Short | None = None
    postcode: Annotated[str, Field(max_length=20)] | None = None
    latitude: CoordinateText = None
    longitude: CoordinateText = None
    description: Text | None = None


class PoliceNeighbourhood(Foreign):
    """`/{force}/neighbourhoods` items ({id, name}) or a whole `/{force}/{id}` record: a field
    left out keeps what the Hub holds, so importing the summary list never wipes details."""

    id: Annotated[str, Field(min_length=1, max_length=100)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Text | None = None
    contact_details: Contacts = Field(default_factory=dict, max_length=30)
    centre: PoliceCentre | None = None
    population: int | None = Field(default=None, ge=0)
    url_force: Short | None = None
    links: list[PoliceLink] = Field(default_factory=list, max_length=100)
    locations: list[PoliceLocation] = Field(default_factory=list, max_length=100)


class PolicePerson(Foreign):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    rank: Annotated[str, Field(max_length=200)] | None = None
    bio: Text | None = None
    contact_details: Contacts = Field(default_factory=dict, max_length=30)
    photo_url: Url | None = Field(
        default=None, description="Hub extension: the team member's photo on the force's site."
    )


class PolicePriority(Foreign):
    issue: Annotated[str, Field(min_length=1, max_length=5000)]
    issue_date: date | None = Field(
        default=None, validation_alias=AliasChoices("issue-date", "issue_date")
    )
    action: Text | None = None
    action_date: date | None = Field(
        default=None, validation_alias=AliasChoices("action-date", "action_date")
    )

    _dates = field_validator("issue_date", "action_date", mode="before")(
        lambda cls, v: _date_part(v)
    )


class EngagementMethod(Foreign):
    """One of the force's channels (`forces/{id}` `engagement_methods`)."""

    type: Annotated[str, Field(min_length=1, max_length=50)] = Field(
        description="e.g. facebook, twitter, instagram, linkedin, youtube, rss, telephone"
    )
    title: Short | None = None
    url: Short | None = None
    description: Text | None = None


class PoliceForceIn(Foreign):
    """The shape of `forces/{id}`."""

    id: Annotated[str, Field(max_length=100)] | None = Field(
        default=None, description="If given, must be the force in the path."
    )
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Text | None = None
    url: Short | None = None
    telephone: Annotated[str, Field(max_length=50)] | None = None
    engagement_methods: list[EngagementMethod] = Field(default_factory=list, max_length=100)


class BoundaryPoint(Foreign):
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)


class PublicationIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"description": "Come and meet your neighbourhood team. All welcome."}]
        },
    )

    description: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None
    ) = Field(
        default=None,
        description="The public description police.uk shows (the activity's own notes are "
        "internal and never published).",
    )


# --- answers -------------------------------------------------------------------------------


class Completeness(BaseModel):
    """How complete the public beat profile is (the report's beat-page KPIs), counted from
    exactly what `/{force}/{id}`, `/people` and `/priorities` publish."""

    contact_details: bool = Field(description="At least one way to contact the team.")
    team_photos: bool = Field(description="A team is published and every member has a photo.")
    priorities: bool = Field(
        description="Priorities are published and one was raised or acted on in the last "
        "three months."
    )
    score: float = Field(description="Share of the three parts present, 0 to 1.")
    missing: list[str]


class ForceSummary(BaseModel):
    id: str
    name: str


class EngagementMethodOut(BaseModel):
    type: str
    title: str | None
    url: str | None
    description: str | None


class ForceRecord(BaseModel):
    id: str
    name: str
    description: str | None
    url: str | None
    telephone: str | None
    engagement_methods: list[EngagementMethodOut]


class Officer(BaseModel):
    name: str
    rank: str | None
    bio: str | None
    contact_details: dict[str, str]


class TeamMember(Officer):
    photo_url: str | None = Field(description="Hub extension: null when there is no photo.")


class NeighbourhoodSummary(BaseModel):
    id: str
    name: str


class CentreOut(BaseModel):
    latitude: str
    longitude: str


class LinkOut(BaseModel):
    url: str
    title: str | None
    description: str | None


class LocationOut(BaseModel):
    name: str | None
    type: str | None
    address: str | None
    postcode: str | None
    latitude: str | None
    longitude: str | None
    description: str | None


class NeighbourhoodRecord(BaseModel):
    id: str
    name: str
    description: str | None
    url_force: str | None
    contact_details: dict[str, str]
    links: list[LinkOut]
    centre: CentreOut | None
    locations: list[LocationOut]
    population: str = Field(description='A string, as data.police.uk gives it ("0" unknown).')
    completeness: Completeness = Field(description="Hub extension: what the profile lacks.")


class PriorityOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    issue: str
    issue_date: str | None = Field(serialization_alias="issue-date")
    action: str | None
    action_date: str | None = Field(serialization_alias="action-date")


class BoundaryPointOut(BaseModel):
    latitude: str
    longitude: str


class LocatedNeighbourhood(BaseModel):
    force: str
    neighbourhood: str


class PoliceEvent(BaseModel):
    """The shape of data.police.uk `/{force}/{neighbourhood}/events` items."""

    contact_details: dict[str, str]
    description: str | None = Field(
        description="The public description given when the event was published (never the "
        "activity's internal notes)."
    )
    title: str
    address: str | None
    type: str
    start_date: str = Field(description="Local time, `YYYY-MM-DDTHH:MM:SS` as that API gives.")
    end_date: str | None


class ImportResult(BaseModel):
    created: list[str] = Field(description="Codes of the areas created.")
    updated: list[str] = Field(description="Codes of the areas updated.")


class PublicationRead(BaseModel):
    activity_id: uuid.UUID
    description: str | None
    published_by: str
    published_at: datetime


# --- examples (each accepted as written by a test, on a fresh store) ----------------------

IMPORT_EXAMPLE: list[dict[str, Any]] = [
    {
        "id": "BC193",
        "name": "Easton and Lawrence Hill",
        "description": "<p>Inner-city neighbourhood in east Bristol.</p>",
        "contact_details": {"email": "easton.team@example.police.uk"},
        "centre": {"latitude": "51.4633", "longitude": "-2.5621"},
        "population": "0",
        "url_force": "https://example.police.uk/easton",
        "links": [],
        "locations": [],
    }
]
FORCE_EXAMPLE: dict[str, Any] = {
    "id": "avon-and-somerset",
    "name": "Example Constabulary",
    "description": "<p>Keeping our communities safe.</p>",
    "url": "https://example.police.uk",
    "telephone": "101",
    "engagement_methods": [
        {
            "type": "facebook",
            "title": "Facebook",
            "url": "https://www.facebook.com/example.police",
            "description": None,
        },
        {"type": "twitter", "title": "Twitter", "url": "https://twitter.com/example_police"},
    ],
}
SENIOR_OFFICERS_EXAMPLE: list[dict[str, Any]] = [
    {
        "name": "Chief Constable",
        "rank": "Chief Constable",
        "bio": "<p>Leads the force.</p>",
        "contact_details": {"twitter": "https://twitter.com/example_cc"},
    }
]
BOUNDARY_EXAMPLE: list[dict[str, Any]] = [
    {"latitude": "51.4601", "longitude": "-2.5701"},
    {"latitude": "51.4671", "longitude": "-2.5701"},
    {"latitude": "51.4671", "longitude": "-2.5541"},
    {"latitude": "51.4601", "longitude": "-2.5541"},
]
