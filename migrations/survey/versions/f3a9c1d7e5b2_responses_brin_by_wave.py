"""Responses: a BRIN index on (survey_id, wave) on PostgreSQL, so an analysis of a range of
waves reads only the pages holding those waves

Responses arrive wave by wave (a quarter's import at a time), so each block range of the table
holds few waves and a BRIN summary skips the rest. A BRIN index costs imports next to nothing
(a B-tree on the same columns made a million-row load a third slower). SQLite has no BRIN:
nothing is created there. `autosummarize` lets autovacuum summarize the ranges new imports
fill (unsummarized ranges are always read, so answers never depend on it).

Revision ID: f3a9c1d7e5b2
Revises: b99843e4a31f
Create Date: 2026-12-01 12:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f3a9c1d7e5b2"
down_revision: str | None = "b99843e4a31f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "brin_survey_response_survey_wave"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON survey_response USING brin (survey_id, wave) "
        "WITH (pages_per_range = 16, autosummarize = on)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
