"""drop the unused local-month index of activities

Counting filters on `local_date` through `ix_activity_activity_counting` and groups by the
`local_month` it includes; nothing looks activities up by `local_month` alone. One index
fewer to keep up on every insert.

Revision ID: 5b0e2c7d9a41
Revises: 19fd90557df7
Create Date: 2026-11-27 13:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5b0e2c7d9a41"
down_revision: str | None = "19fd90557df7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activity_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_activity_local_month")


def downgrade() -> None:
    with op.batch_alter_table("activity_activity", schema=None) as batch_op:
        batch_op.create_index("ix_activity_activity_local_month", ["local_month"], unique=False)
