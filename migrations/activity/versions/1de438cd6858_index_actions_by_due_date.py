"""index actions by due date

`GET /api/v1/actions` lists soonest due first (undated last); this index lets it walk the
actions in that order instead of sorting all of them.

Revision ID: 1de438cd6858
Revises: ce091faa7f5e
Create Date: 2026-11-25 22:45:32.786822
"""

from collections.abc import Sequence

from alembic import op

revision: str = "1de438cd6858"
down_revision: str | None = "ce091faa7f5e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activity_action", schema=None) as batch_op:
        batch_op.create_index("ix_activity_action_due_on_id", ["due_on", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("activity_action", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_action_due_on_id")
