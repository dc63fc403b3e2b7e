"""Uploaded import files kept in the database (any instance can run the job)

Revision ID: f3a1c7d9e2b4
Revises: f3a9c1d7e5b2
Create Date: 2026-12-01 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f3a1c7d9e2b4"
down_revision: str | None = "f3a9c1d7e5b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_import_upload",
        sa.Column("import_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["survey_import.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("import_id", "seq"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # CSV chunks are stored as they are: compressing them would cost the upload time.
        op.execute("ALTER TABLE survey_import_upload ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("survey_import_upload")
