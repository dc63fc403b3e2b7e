"""counting index by activity type

Counts of one activity type read from the activities (its topic breakdown, which the KPI
scorecard asks for school engagements each quarter) scanned every counted activity of the
range in `ix_activity_activity_counting` (status, local_date) and kept one in ten: ~8 ms of
PostgreSQL at 1M activities. `ix_activity_activity_counting_by_type` has the type in its key
before the date and covers the same columns, so they are index-only scans of that type alone
(~1.5 ms). Plain CREATE INDEX, as the other indexes of this table.

Revision ID: 4f2a8c6e1d93
Revises: 7c1d5e9a2b40
Create Date: 2026-12-01 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4f2a8c6e1d93"
down_revision: str | None = "7c1d5e9a2b40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDE = [
    "local_month",
    "district_code",
    "area_code",
    "directorate",
    "classification",
    "attendees",
    "young_people",
    "topic_mask",
]


def upgrade() -> None:
    op.create_index(
        "ix_activity_activity_counting_by_type",
        "activity_activity",
        ["status", "activity_type", "local_date"],
        unique=False,
        postgresql_include=INCLUDE,
        postgresql_where=sa.text("deleted_at IS NULL"),
        sqlite_where=sa.text("deleted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_activity_activity_counting_by_type", table_name="activity_activity")
