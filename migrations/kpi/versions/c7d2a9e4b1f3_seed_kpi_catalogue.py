"""Seed the KPI catalogue: the directorate's engagement KPIs (report 4.2) and the OPCC questions

Revision ID: c7d2a9e4b1f3
Revises: 045b73ce43e6
Create Date: 2026-11-25 21:50:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "c7d2a9e4b1f3"
down_revision: str | None = "045b73ce43e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PILLAR = "engagement"
AWARE = (
    "Ensuring our communities are aware of their local neighbourhood teams and are able to "
    "contact them when needed."
)
METHODS = (
    "To have appropriate methods of engagement for all our communities based on their "
    "preferences. Making best use of digital opportunities."
)
UNDERSTAND = "To have a good understanding of our communities needs, risks and threats."
PARTICIPATE = (
    "Work with our communities to encourage active participation in supporting local policing "
    "in their local areas."
)
OPCC = "Public confidence: the two engagement questions of the OPCC survey."

# code, name, objective, output, measure, qualitative, unit, direction, counting rule, source,
# binding
CATALOGUE = [
    (
        "visibility_seen_officer",
        "Visibility: seen a PC/PCSO in the last month",
        AWARE,
        "To visibly police our communities on a daily/weekly/monthly basis.",
        "% visibility: seen a PC/PCSO in the last month/week",
        "Verbatim feedback from public confidence survey",
        "percent",
        "higher_is_better",
        "Weighted share of OPCC survey respondents answering `yes` to `seen_officer`, over "
        "everyone who answered the question; 95% Wilson interval on the effective base.",
        "survey",
        {"survey": "opcc", "question": "seen_officer", "answers": ["yes"]},
    ),
    (
        "beat_profiles_with_photos",
        "Beat profiles with photos and contact details",
        AWARE,
        "Beat pages to include all contact details and photos.",
        "% beat profiles with photos",
        None,
        "percent",
        "higher_is_better",
        "Neighbourhoods whose beat profile has team photos and full contact details, over all "
        "active neighbourhoods, at the end of the period.",
        "activity",
        {"registry": "areas", "metric": "profile_complete_share"},
    ),
    (
        "beat_page_priorities_up_to_date",
        "Beat pages with up-to-date priorities",
        METHODS,
        "Beat pages to be up to date with local priorities.",
        "Beat page usage (priorities up to date)",
        None,
        "percent",
        "higher_is_better",
        "Neighbourhoods with at least one priority whose issue or action date falls in the last "
        "three months, over all active neighbourhoods; page views are recorded as measurements "
        "(`beat_page_views`).",
        "activity",
        {"registry": "areas", "metric": "priorities_current_share", "months": 3},
    ),
    (
        "school_engagements",
        "School engagements",
        METHODS,
        "Attendance and delivery of engagement within schools.",
        "How many school engagements and type of engagement",
        "Delivery against the schools charter",
        "count",
        "higher_is_better",
        "Completed activities of type `school_engagement` starting in the period (local time), "
        "broken down by topic.",
        "activity",
        {"activity_type": ["school_engagement"], "status": ["completed"], "metric": "count"},
    ),
    (
        "social_media_interactions",
        "Social media hits and likes",
        METHODS,
        "Using social media groups to share information/good news.",
        "Number of hits/likes in response to social media posts",
        "Peer reviews",
        "count",
        "higher_is_better",
        "Sum of hits and likes on neighbourhood social-media posts in the period, as exported "
        "from the social-media management tool and recorded as measurements.",
        "measurement",
        {"measurement": "social_media_interactions", "aggregate": "sum"},
    ),
    (
        "two_minute_survey_response_rate",
        "2-minute survey response rate",
        METHODS,
        "Using social media groups to share information/good news.",
        "2 minute survey response rate",
        "2 minute survey findings",
        "percent",
        "higher_is_better",
        "Responses to the 2-minute online survey over invitations sent in the period, recorded "
        "as measurements.",
        "measurement",
        {"measurement": "two_minute_survey_response_rate", "aggregate": "ratio"},
    ),
    (
        "public_confidence",
        "Public confidence rate",
        UNDERSTAND,
        "Communities are mapped locally: where our communities are and how we best engage with "
        "them.",
        "Public confidence rate",
        "Peer review",
        "percent",
        "higher_is_better",
        "Weighted share of OPCC survey respondents who strongly agree or tend to agree that they "
        "have confidence in their local police, excluding `dont_know`.",
        "survey",
        {
            "survey": "opcc",
            "question": "confidence",
            "answers": ["strongly_agree", "tend_to_agree"],
        },
    ),
    (
        "local_meeting_engagements",
        "Engagements at local meetings",
        UNDERSTAND,
        "Attendance at local parish/PACT/council/IAG meetings.",
        "Count of engagements",
        "Check & test locally",
        "count",
        "higher_is_better",
        "Completed activities of type PACT meeting, parish/council meeting or IAG meeting "
        "starting in the period (local time).",
        "activity",
        {
            "activity_type": ["pact_meeting", "parish_council_meeting", "iag_meeting"],
            "status": ["completed"],
            "metric": "count",
        },
    ),
    (
        "youth_engagement_panels",
        "Youth engagement panels and forums",
        UNDERSTAND,
        "Local IAGs in place which are representative of local communities.",
        "Number of youth engagement panels/forums",
        "Check & test locally",
        "count",
        "higher_is_better",
        "Community groups of type youth panel/forum active on the last day of the period.",
        "activity",
        {"registry": "community_groups", "group_type": ["youth_panel"], "metric": "active"},
    ),
    (
        "cip_volunteer_hours",
        "Citizens in Policing volunteer hours",
        PARTICIPATE,
        "Make best use of Citizens in Policing: Specials, Mini Cops, cadets, volunteers.",
        "Number of hours provided by CIP volunteers",
        None,
        "hours",
        "higher_is_better",
        "Sum of hours recorded for specials, mini police, cadets and volunteers in the period.",
        "activity",
        {"registry": "volunteer_hours", "metric": "hours"},
    ),
    (
        "active_nhw_schemes",
        "Active Neighbourhood Watch schemes",
        PARTICIPATE,
        "Make best use of Citizens in Policing: Specials, Mini Cops, cadets, volunteers.",
        "Active NHW schemes",
        None,
        "count",
        "higher_is_better",
        "Neighbourhood Watch schemes active on the last day of the period.",
        "activity",
        {"registry": "community_groups", "group_type": ["neighbourhood_watch"], "metric": "active"},
    ),
    (
        "active_speedwatch_schemes",
        "Active Community Speedwatch schemes",
        PARTICIPATE,
        "Make best use of Citizens in Policing: Specials, Mini Cops, cadets, volunteers.",
        "Active Community Speedwatch schemes",
        None,
        "count",
        "higher_is_better",
        "Community Speedwatch schemes active on the last day of the period.",
        "activity",
        {"registry": "community_groups", "group_type": ["speedwatch"], "metric": "active"},
    ),
    (
        "time_out_of_station",
        "Time out of station (neighbourhood teams)",
        AWARE,
        "To visibly police our communities on a daily/weekly/monthly basis.",
        "% time spent out of station by hour of day",
        None,
        "percent",
        "higher_is_better",
        "Mean over the period of the share of neighbourhood officers' duty time spent out of "
        "station, as supplied by the duty/location system and recorded as measurements.",
        "measurement",
        {"measurement": "time_out_of_station", "aggregate": "mean"},
    ),
    (
        "opcc_informed",
        "Feel well informed about local policing",
        OPCC,
        "Tell communities what the police are doing to tackle crime and ASB.",
        "% very or fairly well informed about what the police are doing to tackle crime and ASB",
        "Free-text comments of the survey",
        "percent",
        "higher_is_better",
        "Weighted share of OPCC survey respondents answering very well or fairly well informed, "
        "excluding `dont_know`; 95% Wilson interval on the effective base.",
        "survey",
        {"survey": "opcc", "question": "informed", "answers": ["very_well", "fairly_well"]},
    ),
    (
        "opcc_have_say",
        "Aware of opportunities to have their say",
        OPCC,
        "Consult communities about policing issues in their local area.",
        "% aware of opportunities to have their say about policing issues in their local area",
        "Free-text comments of the survey",
        "percent",
        "higher_is_better",
        "Weighted share of OPCC survey respondents answering `yes`, excluding `dont_know`; 95% "
        "Wilson interval on the effective base.",
        "survey",
        {"survey": "opcc", "question": "have_say", "answers": ["yes"]},
    ),
]

definition = sa.table(
    "kpi_definition",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("pillar", sa.String),
    sa.column("objective", sa.Text),
    sa.column("output", sa.Text),
    sa.column("measure", sa.Text),
    sa.column("qualitative", sa.Text),
    sa.column("unit", sa.String),
    sa.column("direction", sa.String),
    sa.column("target", sa.Float),
    sa.column("tolerance", sa.Float),
    sa.column("counting_rule", sa.Text),
    sa.column("source", sa.String),
    sa.column("source_binding", sa.JSON),
    sa.column("created_at", sa.DateTime),
)


def upgrade() -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(
        definition,
        [
            {
                "code": code,
                "name": name,
                "pillar": "public_confidence" if code.startswith("opcc_") else PILLAR,
                "objective": objective,
                "output": output,
                "measure": measure,
                "qualitative": qualitative,
                "unit": unit,
                "direction": direction,
                "target": None,
                "tolerance": None,
                "counting_rule": rule,
                "source": source,
                "source_binding": binding,
                "created_at": now,
            }
            for (
                code,
                name,
                objective,
                output,
                measure,
                qualitative,
                unit,
                direction,
                rule,
                source,
                binding,
            ) in CATALOGUE
        ],
    )


def downgrade() -> None:
    op.execute(definition.delete().where(definition.c.code.in_([row[0] for row in CATALOGUE])))
