"""district monthly counts kept by statement triggers (PostgreSQL)

Aggregates that neither group nor filter by area (the KPI scorecard's month x type and month
calls, force-wide or for a district) summed the folded monthly counts of every area: ~65k rows
for three years at 1M activities, 11-15 ms of PostgreSQL per call on a 2-core machine.
`activity_district_month_count` holds the same counts summed over each district's areas (~1
row per 6), kept by statement triggers on `activity_month_count` with transition tables, so
whatever writes the folded counts (the fold of any replica, old or new code, or a backfill)
keeps it exact in the same transaction: one grouped upsert per statement, never a row at a
time. Unfolded changes stay where they are (`activity_month_count_change`, read beside it).
Existing counts are summed here once. SQLite: table only (no monthly counts there).

Revision ID: 7c1d5e9a2b40
Revises: dd3ced457026
Create Date: 2026-12-01 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c1d5e9a2b40"
down_revision: str | None = "dd3ced457026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = "status, local_month, district_code, directorate, activity_type, classification"
MEASURES = ("activities", "attendees", "young_people")


def _signed(table: str, sign: str) -> str:
    measures = ", ".join(f"{sign}{m} AS {m}" for m in MEASURES)
    return f"SELECT {KEYS}, {measures} FROM {table}"


def _upsert(source: str) -> str:
    """Add the signed rows of `source` (a query) to the district counts, one row per key."""
    measures = ", ".join(MEASURES)
    sums = ", ".join(f"sum({m})" for m in MEASURES)
    added = ", ".join(f"{m} = d.{m} + EXCLUDED.{m}" for m in MEASURES)
    return (
        f"INSERT INTO activity_district_month_count AS d ({KEYS}, {measures}) "
        f"SELECT {KEYS}, {sums} FROM ({source}) AS signed GROUP BY {KEYS} "
        f"ON CONFLICT ({KEYS}) DO UPDATE SET {added};"
    )


def upgrade() -> None:
    op.create_table(
        "activity_district_month_count",
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("local_month", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=40), nullable=False),
        sa.Column("directorate", sa.String(length=40), nullable=False),
        sa.Column("activity_type", sa.String(length=40), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.Column("activities", sa.BigInteger(), nullable=False),
        sa.Column("attendees", sa.BigInteger(), nullable=False),
        sa.Column("young_people", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            *[key.strip() for key in KEYS.split(",")],
            name=op.f("pk_activity_district_month_count"),
        ),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    # Transition tables need one trigger per event; one function serves the three.
    op.execute(
        f"""
        CREATE FUNCTION activity_district_month_count_track() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {_upsert(_signed("added", ""))}
            ELSIF TG_OP = 'UPDATE' THEN
                {_upsert(_signed("added", "") + " UNION ALL " + _signed("removed", "-"))}
            ELSE
                {_upsert(_signed("removed", "-"))}
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    transitions = {
        "insert": "NEW TABLE AS added",
        "update": "OLD TABLE AS removed NEW TABLE AS added",
        "delete": "OLD TABLE AS removed",
    }
    for event, referencing in transitions.items():
        op.execute(
            f"CREATE TRIGGER activity_district_month_count_{event} AFTER {event.upper()} "
            f"ON activity_month_count REFERENCING {referencing} FOR EACH STATEMENT "
            "EXECUTE FUNCTION activity_district_month_count_track()"
        )
    op.execute(
        """
        CREATE FUNCTION activity_district_month_count_clear() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            TRUNCATE activity_district_month_count;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER activity_district_month_count_truncate AFTER TRUNCATE "
        "ON activity_month_count FOR EACH STATEMENT "
        "EXECUTE FUNCTION activity_district_month_count_clear()"
    )
    # The triggers hold their lock on the folded counts until this commits, so no fold can
    # slip between them and this sum.
    op.execute(_upsert(_signed("activity_month_count", "")).rstrip(";"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "update", "delete", "truncate"):
            op.execute(
                f"DROP TRIGGER IF EXISTS activity_district_month_count_{event} "
                "ON activity_month_count"
            )
        op.execute("DROP FUNCTION IF EXISTS activity_district_month_count_track()")
        op.execute("DROP FUNCTION IF EXISTS activity_district_month_count_clear()")
    op.drop_table("activity_district_month_count")
