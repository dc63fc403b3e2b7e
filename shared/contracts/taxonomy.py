"""The Hub's shared vocabulary: every code list and the written definitions behind them.

The source report found "no organisation-wide definition of engagement"; these definitions are
served by `GET /api/v1/taxonomy` so every client and directorate uses the same words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any


class ActivityStatus(StrEnum):
    planned = "planned"
    completed = "completed"
    cancelled = "cancelled"


class Directorate(StrEnum):
    neighbourhood_partnerships = "neighbourhood_partnerships"
    fraud_cyber_protect = "fraud_cyber_protect"
    corporate_communications = "corporate_communications"
    recruitment = "recruitment"
    organisational_development = "organisational_development"
    staff_associations = "staff_associations"
    staff_office = "staff_office"
    citizens_in_policing = "citizens_in_policing"
    response = "response"
    investigations = "investigations"


class ActivityType(StrEnum):
    school_engagement = "school_engagement"
    beat_surgery = "beat_surgery"
    pact_meeting = "pact_meeting"
    parish_council_meeting = "parish_council_meeting"
    iag_meeting = "iag_meeting"
    youth_panel = "youth_panel"
    community_event = "community_event"
    patrol_interaction = "patrol_interaction"
    crime_prevention_talk = "crime_prevention_talk"
    social_media_live = "social_media_live"
    webchat_online_forum = "webchat_online_forum"
    joint_pcc_chief_constable_meeting = "joint_pcc_chief_constable_meeting"
    co_creation_workshop = "co_creation_workshop"
    recruitment_event = "recruitment_event"
    neighbourhood_watch_meeting = "neighbourhood_watch_meeting"
    speedwatch_session = "speedwatch_session"
    other = "other"


class Channel(StrEnum):
    face_to_face = "face_to_face"
    online = "online"
    social_media = "social_media"
    phone = "phone"
    print = "print"


class Classification(StrEnum):
    engagement = "engagement"
    interaction = "interaction"
    communication = "communication"


class Purpose(StrEnum):
    inform = "inform"
    consult = "consult"
    co_operate = "co_operate"


class Topic(StrEnum):
    asb = "asb"
    knife_crime = "knife_crime"
    fraud = "fraud"
    cyber = "cyber"
    drugs = "drugs"
    road_safety = "road_safety"
    hate_crime = "hate_crime"
    burglary = "burglary"
    vehicle_crime = "vehicle_crime"
    violence_against_women_and_girls = "violence_against_women_and_girls"
    exploitation = "exploitation"
    online_safety = "online_safety"
    rural_crime = "rural_crime"
    wellbeing = "wellbeing"
    recruitment = "recruitment"
    other = "other"


# Each topic's bit in an activity's `topic_mask` (counting by topic in one pass of SQL).
# Stored values depend on these: new topics are appended, never inserted or reordered.
TOPIC_BITS: dict[Topic, int] = {topic: 1 << index for index, topic in enumerate(Topic)}


# The same bits by code (a Topic is a str, equal and hashing alike: plain codes look up fast).
_TOPIC_BITS_BY_CODE: dict[str, int] = {str(topic): bit for topic, bit in TOPIC_BITS.items()}


def topic_mask(topics: Iterable[str]) -> int:
    mask = 0
    for topic in topics:
        try:
            mask |= _TOPIC_BITS_BY_CODE[topic]
        except KeyError:
            raise ValueError(f"{topic!r} is not a topic code") from None
    return mask


class Source(StrEnum):
    mobile = "mobile"
    web = "web"
    import_ = "import"
    api = "api"


class ReviewState(StrEnum):
    received = "received"
    approved = "approved"
    has_issues = "has_issues"


class Sentiment(StrEnum):
    positive = "positive"
    neutral = "neutral"
    negative = "negative"
    mixed = "mixed"


class KeyStage(StrEnum):
    eyfs = "eyfs"
    ks1 = "ks1"
    ks2 = "ks2"
    ks3 = "ks3"
    ks4 = "ks4"
    ks5 = "ks5"


CLASSIFICATION_DEFINITIONS: dict[Classification, str] = {
    Classification.engagement: (
        "A two-way dialogue between the police and the public, through which the police come to "
        "understand their communities and their needs, risks and threats, and the public can "
        "influence policing (e.g. a PACT meeting, a beat surgery, a youth panel)."
    ),
    Classification.interaction: (
        "An incidental or transactional contact with members of the public that is not "
        "planned as a dialogue (e.g. a conversation on patrol, answering a question at an event)."
    ),
    Classification.communication: (
        "One-way broadcast of information from the police to the public, with no dialogue "
        "expected (e.g. a press release, a social-media post, a leaflet drop)."
    ),
}

PURPOSE_DEFINITIONS: dict[Purpose, str] = {
    Purpose.inform: "Informing: telling communities what the police are doing and why.",
    Purpose.consult: (
        "Consulting: asking communities for their views and priorities, and reporting back "
        'what was done ("you said, we did").'
    ),
    Purpose.co_operate: (
        "Co-operating: working with communities to solve problems together and encouraging "
        "active participation in local policing (e.g. Speedwatch, Neighbourhood Watch)."
    ),
}

STATUS_DEFINITIONS: dict[ActivityStatus, str] = {
    ActivityStatus.planned: "Scheduled; not yet happened.",
    ActivityStatus.completed: "Happened; the outcome can be recorded.",
    ActivityStatus.cancelled: "Will not happen; kept so plans can be reconciled.",
}


class AreaKind(StrEnum):
    force = "force"
    district = "district"
    neighbourhood = "neighbourhood"


class GroupType(StrEnum):
    iag = "iag"
    neighbourhood_watch = "neighbourhood_watch"
    community_speedwatch = "community_speedwatch"
    youth_panel = "youth_panel"
    youth_forum = "youth_forum"
    scrutiny_group = "scrutiny_group"
    school = "school"
    other = "other"


class PlanKind(StrEnum):
    strategy = "strategy"
    local_engagement_plan = "local_engagement_plan"


class VolunteerRole(StrEnum):
    special_constable = "special_constable"
    mini_police = "mini_police"
    cadet = "cadet"
    police_support_volunteer = "police_support_volunteer"


class ReviewDecision(StrEnum):
    approve = "approve"
    flag = "flag"


CLASSIFICATION_TITLES: dict[Classification, str] = {
    Classification.engagement: "Engagement (two-way dialogue)",
    Classification.interaction: "Interaction (incidental contact)",
    Classification.communication: "Communication (one-way broadcast)",
}

REVIEW_DEFINITIONS: dict[ReviewState, str] = {
    ReviewState.received: "Logged and not yet reviewed (or amended since the last review).",
    ReviewState.approved: "A supervisor checked the record and approved it.",
    ReviewState.has_issues: "A supervisor flagged the record; the comment says what to fix.",
}

GROUP_TYPE_DEFINITIONS: dict[GroupType, str] = {
    GroupType.iag: "Independent Advisory Group: community members who advise and challenge.",
    GroupType.neighbourhood_watch: "A Neighbourhood Watch scheme.",
    GroupType.community_speedwatch: "A Community Speedwatch scheme.",
    GroupType.youth_panel: "A youth panel giving young people a say in local policing.",
    GroupType.youth_forum: "A youth forum run with partners.",
    GroupType.scrutiny_group: "A group that scrutinises police powers and practice.",
    GroupType.school: "A school the force works with.",
    GroupType.other: "Any other community group.",
}

PLAN_KIND_DEFINITIONS: dict[PlanKind, str] = {
    PlanKind.strategy: "The force-wide neighbourhood community engagement strategy.",
    PlanKind.local_engagement_plan: (
        "A local engagement plan: the localised delivery plan of the strategy, owned by a "
        "neighbourhood inspector, realised through planned activities."
    ),
}

VOLUNTEER_ROLE_DEFINITIONS: dict[VolunteerRole, str] = {
    VolunteerRole.special_constable: "Special constables (volunteer police officers).",
    VolunteerRole.mini_police: "Mini police (primary-school pupils).",
    VolunteerRole.cadet: "Volunteer police cadets.",
    VolunteerRole.police_support_volunteer: "Police support volunteers.",
}

# Activity types that are public events (exported in data.police.uk's `/events` shape).
PUBLIC_EVENT_TYPES: frozenset[ActivityType] = frozenset(
    {
        ActivityType.beat_surgery,
        ActivityType.pact_meeting,
        ActivityType.parish_council_meeting,
        ActivityType.community_event,
        ActivityType.crime_prevention_talk,
        ActivityType.social_media_live,
        ActivityType.webchat_online_forum,
        ActivityType.joint_pcc_chief_constable_meeting,
        ActivityType.co_creation_workshop,
        ActivityType.recruitment_event,
        ActivityType.neighbourhood_watch_meeting,
    }
)


def label(code: str) -> str:
    """Human label from a code: `pact_meeting` -> `Pact meeting`."""
    text = code.rstrip("_").replace("_", " ")
    return text[:1].upper() + text[1:]


def _codes(
    enum: type[StrEnum], definitions: Mapping[Any, str] | None = None
) -> list[dict[str, str]]:
    out = []
    for member in enum:
        entry = {"code": member.value, "label": label(member.value)}
        if definitions and member in definitions:
            entry["definition"] = definitions[member]
        out.append(entry)
    return out


def taxonomy_document() -> dict[str, Any]:
    """Every code list with labels and written definitions: `GET /api/v1/taxonomy`."""
    return {
        "code_lists": {
            "status": _codes(ActivityStatus, STATUS_DEFINITIONS),
            "directorate": _codes(Directorate),
            "activity_type": _codes(ActivityType),
            "channel": _codes(Channel),
            "classification": _codes(Classification, CLASSIFICATION_DEFINITIONS),
            "purpose": _codes(Purpose, PURPOSE_DEFINITIONS),
            "topic": _codes(Topic),
            "source": _codes(Source),
            "review_state": _codes(ReviewState, REVIEW_DEFINITIONS),
            "sentiment": _codes(Sentiment),
            "key_stage": _codes(KeyStage),
            "area_kind": _codes(AreaKind),
            "group_type": _codes(GroupType, GROUP_TYPE_DEFINITIONS),
            "plan_kind": _codes(PlanKind, PLAN_KIND_DEFINITIONS),
            "volunteer_role": _codes(VolunteerRole, VOLUNTEER_ROLE_DEFINITIONS),
        },
        "definitions": {
            "engagement": CLASSIFICATION_DEFINITIONS[Classification.engagement],
            "interaction": CLASSIFICATION_DEFINITIONS[Classification.interaction],
            "communication": CLASSIFICATION_DEFINITIONS[Classification.communication],
            "inform": PURPOSE_DEFINITIONS[Purpose.inform],
            "consult": PURPOSE_DEFINITIONS[Purpose.consult],
            "co_operate": PURPOSE_DEFINITIONS[Purpose.co_operate],
        },
        "public_event_types": sorted(t.value for t in PUBLIC_EVENT_TYPES),
    }
