"""The Hub's shared vocabulary: every code list and the written definitions behind them.

The source report found "no organisation-wide definition of engagement"; these definitions are
served by `GET /api/v1/taxonomy` so every client and directorate uses the same words.
"""

from __future__ import annotations

from enum import StrEnum


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


def label(code: str) -> str:
    """Human label from a code: `pact_meeting` -> `Pact meeting`."""
    text = code.rstrip("_").replace("_", " ")
    return text[:1].upper() + text[1:]
