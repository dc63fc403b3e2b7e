"""Import jobs keep their warnings: values matching no population margin, per column

Revision ID: e52f82dadc85
Revises: e2f4a6c8d0b1
Create Date: 2026-12-01 09:47:30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e52f82dadc85"
down_revision: str | None = "e2f4a6c8d0b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey_import", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warnings", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("survey_import", schema=None) as batch_op:
        batch_op.drop_column("warnings")
