"""Dated targets, measurements and snapshots; catalogue with owner roles, table order, ETags

Revision ID: 5f1c9a7d3b20
Revises: c7d2a9e4b1f3
Create Date: 2026-12-01 09:40:00

The definition's own `target` / `tolerance` (never set) give way to dated targets. Bindings
name the registry's real group types, social-media KPIs count interactions per post, time out
of station is officer hours out over all officer hours, and beat-page views become a KPI.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "5f1c9a7d3b20"
down_revision: str | None = "c7d2a9e4b1f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

METHODS = (
    "To have appropriate methods of engagement for all our communities based on their "
    "preferences. Making best use of digital opportunities."
)

# code -> (position in the report's table, owner role)
ORDER = {
    "visibility_seen_officer": (10, "Neighbourhood inspector"),
    "time_out_of_station": (20, "Neighbourhood inspector"),
    "beat_profiles_with_photos": (30, "Neighbourhood sergeant"),
    "beat_page_priorities_up_to_date": (40, "Neighbourhood sergeant"),
    "beat_page_views": (50, "Digital SPOC"),
    "school_engagements": (60, "Schools engagement lead"),
    "social_media_interactions": (70, "Digital SPOC"),
    "two_minute_survey_response_rate": (80, "Digital SPOC"),
    "public_confidence": (90, "Performance analyst"),
    "local_meeting_engagements": (100, "Neighbourhood inspector"),
    "youth_engagement_panels": (110, "Neighbourhood inspector"),
    "cip_volunteer_hours": (120, "Citizens in Policing manager"),
    "active_nhw_schemes": (130, "Neighbourhood Watch coordinator"),
    "active_speedwatch_schemes": (140, "Neighbourhood inspector"),
    "opcc_informed": (150, "OPCC performance analyst"),
    "opcc_have_say": (160, "OPCC performance analyst"),
}

# code -> (unit, counting rule, binding) where the first cut was wrong or vague.
REBOUND = {
    "school_engagements": (
        "count",
        "Completed activities of type `school_engagement` starting in the period (local time); "
        "the type of engagement is the breakdown by topic (an engagement counts under each of "
        "its topics).",
        {
            "activity_type": ["school_engagement"],
            "status": ["completed"],
            "metric": "count",
            "breakdown": "topic",
        },
    ),
    "beat_profiles_with_photos": (
        "percent",
        "Neighbourhoods whose beat profile has contact details and a team photo, over the "
        "neighbourhoods of the area, as the profiles are now (the activity service keeps no "
        "history of profiles).",
        {"registry": "areas", "metric": "profile_complete_share"},
    ),
    "beat_page_priorities_up_to_date": (
        "percent",
        "Neighbourhoods with a priority whose issue date or action date falls in the three "
        "months up to the period's last day, over the neighbourhoods of the area; page views "
        "are the `beat_page_views` KPI.",
        {"registry": "areas", "metric": "priorities_current_share", "months": 3},
    ),
    "youth_engagement_panels": (
        "count",
        "Community groups of type youth panel or youth forum active on the last day of the "
        "period (active from on or before that day, not ended before it).",
        {
            "registry": "community_groups",
            "group_type": ["youth_panel", "youth_forum"],
            "metric": "active",
        },
    ),
    "active_nhw_schemes": (
        "count",
        "Neighbourhood Watch schemes active on the last day of the period (active from on or "
        "before that day, not ended before it).",
        {"registry": "community_groups", "group_type": ["neighbourhood_watch"], "metric": "active"},
    ),
    "active_speedwatch_schemes": (
        "count",
        "Community Speedwatch schemes active on the last day of the period (active from on or "
        "before that day, not ended before it).",
        {
            "registry": "community_groups",
            "group_type": ["community_speedwatch"],
            "metric": "active",
        },
    ),
    "social_media_interactions": (
        "rate",
        "Interactions (reactions/likes, comments, shares and clicks) per post on neighbourhood "
        "social-media accounts in the period: the sum of interactions over the number of "
        "posts, from the social-media tool's post export (one measurement per post, by the "
        "local date of the post, in the area the account belongs to).",
        {"measurement": "social_media_interactions", "aggregate": "ratio"},
    ),
    "two_minute_survey_response_rate": (
        "percent",
        "Responses to the 2-minute online survey over invitations sent in the period (sums of "
        "both over the measurements of the period), as a percentage.",
        {"measurement": "two_minute_survey_response_rate", "aggregate": "ratio"},
    ),
    "time_out_of_station": (
        "percent",
        "Officer hours out of station over all officer hours on duty in the period (officers "
        "out / officers in + out, summed over every hour recorded), as a percentage; by hour "
        "of day it is the 24-hour profile (`/kpis/time_out_of_station/profile`).",
        {"measurement": "time_out_of_station", "aggregate": "ratio"},
    ),
}

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
    sa.column("owner_role", sa.String),
    sa.column("counting_rule", sa.Text),
    sa.column("source", sa.String),
    sa.column("source_binding", sa.JSON),
    sa.column("position", sa.Integer),
    sa.column("custom", sa.Boolean),
    sa.column("spc_changes", sa.JSON),
    sa.column("spc_baseline", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("created_at", shared.db.UTCDateTime(timezone=True)),
    sa.column("updated_at", shared.db.UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("kpi_definition", schema=None) as batch_op:
        batch_op.drop_column("target")
        batch_op.drop_column("tolerance")
        batch_op.add_column(sa.Column("owner_role", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("position", sa.Integer(), nullable=False, server_default="1000")
        )
        batch_op.add_column(
            sa.Column("custom", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("spc_changes", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(sa.Column("spc_baseline", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(
            sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=True)
        )
    # The defaults only filled the existing rows: the models set every column themselves.
    with op.batch_alter_table("kpi_definition", schema=None) as batch_op:
        batch_op.alter_column("position", server_default=None)
        batch_op.alter_column("custom", server_default=None)
        batch_op.alter_column("spc_changes", server_default=None)
        batch_op.alter_column("version", server_default=None)

    op.execute(definition.update().values(updated_at=definition.c.created_at))
    with op.batch_alter_table("kpi_definition", schema=None) as batch_op:
        batch_op.alter_column(
            "updated_at", existing_type=shared.db.UTCDateTime(timezone=True), nullable=False
        )
    for code, (position, owner) in ORDER.items():
        op.execute(
            definition.update()
            .where(definition.c.code == code)
            .values(position=position, owner_role=owner)
        )
    for code, (unit, rule, binding) in REBOUND.items():
        op.execute(
            definition.update()
            .where(definition.c.code == code)
            .values(unit=unit, counting_rule=rule, source_binding=binding)
        )
    now = datetime.now(UTC)
    position, owner = ORDER["beat_page_views"]
    op.bulk_insert(
        definition,
        [
            {
                "code": "beat_page_views",
                "name": "Beat page views",
                "pillar": "engagement",
                "objective": METHODS,
                "output": "Beat pages to be up to date with local priorities.",
                "measure": "Beat page usage (page views)",
                "qualitative": None,
                "unit": "count",
                "direction": "higher_is_better",
                "owner_role": owner,
                "counting_rule": "Views of the neighbourhood beat pages in the period, as "
                "counted by the web analytics tool and recorded as measurements (summed over "
                "the area's pages).",
                "source": "measurement",
                "source_binding": {"measurement": "beat_page_views", "aggregate": "sum"},
                "position": position,
                "custom": False,
                "spc_changes": [],
                "spc_baseline": None,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )

    op.create_table(
        "kpi_target",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kpi_code", sa.String(length=60), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("tolerance", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kpi_code"],
            ["kpi_definition.code"],
            name=op.f("fk_kpi_target_kpi_code_kpi_definition"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_target")),
    )
    op.create_index("ix_kpi_target_kpi_code_area", "kpi_target", ["kpi_code", "area", "valid_from"])
    op.create_table(
        "kpi_measurement",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kpi_code", sa.String(length=60), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("first_month", sa.Integer(), nullable=False),
        sa.Column("last_month", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("district", sa.String(length=40), nullable=True),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kpi_code"],
            ["kpi_definition.code"],
            name=op.f("fk_kpi_measurement_kpi_code_kpi_definition"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_measurement")),
        sa.UniqueConstraint(
            "kpi_code",
            "period",
            "area",
            "source_ref",
            name=op.f("uq_kpi_measurement_kpi_code_period_area_source_ref"),
        ),
    )
    op.create_index(
        "ix_kpi_measurement_kpi_code_first_month", "kpi_measurement", ["kpi_code", "first_month"]
    )
    op.create_table(
        "kpi_social_account",
        sa.Column("account", sa.String(length=200), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("district", sa.String(length=40), nullable=True),
        sa.Column("network", sa.String(length=40), nullable=True),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account", name=op.f("pk_kpi_social_account")),
    )
    op.create_table(
        "kpi_snapshot",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("board", sa.String(length=200), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=True),
        sa.Column("scorecard", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_snapshot")),
    )
    op.create_index("ix_kpi_snapshot_reported_on", "kpi_snapshot", ["reported_on"])


def downgrade() -> None:
    op.drop_index("ix_kpi_snapshot_reported_on", table_name="kpi_snapshot")
    op.drop_table("kpi_snapshot")
    op.drop_table("kpi_social_account")
    op.drop_index("ix_kpi_measurement_kpi_code_first_month", table_name="kpi_measurement")
    op.drop_table("kpi_measurement")
    op.drop_index("ix_kpi_target_kpi_code_area", table_name="kpi_target")
    op.drop_table("kpi_target")
    op.execute(definition.delete().where(definition.c.code == "beat_page_views"))
    with op.batch_alter_table("kpi_definition", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("version")
        batch_op.drop_column("spc_baseline")
        batch_op.drop_column("spc_changes")
        batch_op.drop_column("custom")
        batch_op.drop_column("position")
        batch_op.drop_column("owner_role")
        batch_op.add_column(sa.Column("tolerance", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("target", sa.Float(), nullable=True))
