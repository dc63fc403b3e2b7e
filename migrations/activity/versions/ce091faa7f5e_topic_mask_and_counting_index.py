"""topic mask and counting index

Topics are counted from a bit mask on the activity (`topic_mask`, bits in
`shared.contracts.taxonomy.TOPIC_BITS`) instead of a joined table: grouping by topic becomes
one pass over the covering index `ix_activity_activity_counting` (index-only on PostgreSQL).
The mask is filled from `activity_topic` before that table and its triggers go.

Revision ID: ce091faa7f5e
Revises: c3ff81142926
Create Date: 2026-11-25 22:21:05.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ce091faa7f5e"
down_revision: str | None = "c3ff81142926"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of TOPIC_BITS at this revision (a migration never imports moving code).
TOPICS = (
    "asb",
    "knife_crime",
    "fraud",
    "cyber",
    "drugs",
    "road_safety",
    "hate_crime",
    "burglary",
    "vehicle_crime",
    "violence_against_women_and_girls",
    "exploitation",
    "online_safety",
    "rural_crime",
    "wellbeing",
    "recruitment",
    "other",
)
COUNTING_INCLUDE = [
    "local_month",
    "district_code",
    "area_code",
    "directorate",
    "activity_type",
    "classification",
    "attendees",
    "young_people",
    "topic_mask",
]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("activity_activity", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("topic_mask", sa.Integer(), server_default="0", nullable=False)
        )
    for index, topic in enumerate(TOPICS):
        op.execute(
            sa.text(
                "UPDATE activity_activity SET topic_mask = topic_mask | :bit WHERE id IN "
                "(SELECT activity_id FROM activity_topic WHERE topic = :topic)"
            ).bindparams(bit=1 << index, topic=topic)
        )
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS activity_topic_sync ON activity_activity")
        op.execute("DROP FUNCTION IF EXISTS activity_topic_sync()")
    else:
        for name in ("activity_topic_sync_ai", "activity_topic_sync_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("activity_topic", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_topic_topic_activity_id"))
    op.drop_table("activity_topic")
    with op.batch_alter_table("activity_activity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activity_activity_counting",
            ["status", "local_date"],
            unique=False,
            postgresql_include=COUNTING_INCLUDE,
            postgresql_where=sa.text("deleted_at IS NULL"),
            sqlite_where=sa.text("deleted_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("activity_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_activity_counting")
    op.create_table(
        "activity_topic",
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity_activity.id"],
            name=op.f("fk_activity_topic_activity_id_activity_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("activity_id", "topic", name=op.f("pk_activity_topic")),
    )
    with op.batch_alter_table("activity_topic", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_topic_topic_activity_id"), ["topic", "activity_id"]
        )
    for index, topic in enumerate(TOPICS):
        op.execute(
            sa.text(
                "INSERT INTO activity_topic (activity_id, topic) SELECT id, :topic "
                "FROM activity_activity WHERE topic_mask & :bit <> 0"
            ).bindparams(bit=1 << index, topic=topic)
        )
    with op.batch_alter_table("activity_activity", schema=None) as batch_op:
        batch_op.drop_column("topic_mask")
