"""monthly counts kept by triggers (PostgreSQL)

Year-long aggregates over 1M activities scanned every entry of the counting index (130-350 ms
on 2-core machines). `activity_month_count` holds the counted activities per month, status,
district, area, directorate, type and classification (~1 row per 20 activities); row triggers
on `activity_activity` append each counted change, signed, to `activity_month_count_change`
(appends only, so concurrent writers never queue on a shared counter row), and the service's
housekeeping folds the changes in every few seconds. Counts are the sum over both tables.

Row triggers, not statement triggers with transition tables: measured in psql on this schema,
one insert +10 us (statement: +23 us), 500 in one statement +6 us each (statement: +20 us).
The counting columns of an update are compared in the trigger's WHEN, so a review or an edit
of the notes costs nothing. Existing activities are counted here once. SQLite: tables only.

Revision ID: 853f2df08a44
Revises: 5b0e2c7d9a41
Create Date: 2026-11-27 15:10:49.516833
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "853f2df08a44"
down_revision: str | None = "5b0e2c7d9a41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = "status, local_month, district_code, area_code, directorate, activity_type, classification"
MEASURES = "activities, attendees, young_people"


def _change_row(row: str, sign: str) -> str:
    values = ", ".join(f"{row}.{key.strip()}" for key in KEYS.split(","))
    return (
        f"INSERT INTO activity_month_count_change ({KEYS}, {MEASURES}) VALUES ({values}, "
        f"{sign}1, {sign}coalesce({row}.attendees, 0), {sign}coalesce({row}.young_people, 0));"
    )


def _key_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("local_month", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=40), nullable=False),
        sa.Column("area_code", sa.String(length=40), nullable=False),
        sa.Column("directorate", sa.String(length=40), nullable=False),
        sa.Column("activity_type", sa.String(length=40), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "activity_month_count",
        *_key_columns(),
        sa.Column("activities", sa.BigInteger(), nullable=False),
        sa.Column("attendees", sa.BigInteger(), nullable=False),
        sa.Column("young_people", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            *[key.strip() for key in KEYS.split(",")], name=op.f("pk_activity_month_count")
        ),
    )
    op.create_table(
        "activity_month_count_change",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        *_key_columns(),
        sa.Column("activities", sa.Integer(), nullable=False),
        sa.Column("attendees", sa.BigInteger(), nullable=False),
        sa.Column("young_people", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_month_count_change")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    # Every fold deletes what the triggers appended: vacuum the dead rows after a fixed number
    # rather than a share of a table that is nearly empty, so aggregates never scan much.
    op.execute(
        "ALTER TABLE activity_month_count_change SET (autovacuum_vacuum_scale_factor = 0, "
        "autovacuum_vacuum_threshold = 20000, autovacuum_vacuum_insert_scale_factor = 0, "
        "autovacuum_vacuum_insert_threshold = 20000)"
    )
    op.execute(
        f"""
        CREATE FUNCTION activity_month_count_track() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                IF OLD.deleted_at IS NULL THEN
                    {_change_row("OLD", "-")}
                END IF;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                IF NEW.deleted_at IS NULL THEN
                    {_change_row("NEW", "")}
                END IF;
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    counted = f"{KEYS}, attendees, young_people"
    old_values = ", ".join(f"OLD.{c.strip()}" for c in counted.split(","))
    new_values = ", ".join(f"NEW.{c.strip()}" for c in counted.split(","))
    op.execute(
        "CREATE TRIGGER activity_month_count_insert AFTER INSERT ON activity_activity "
        "FOR EACH ROW WHEN (NEW.deleted_at IS NULL) "
        "EXECUTE FUNCTION activity_month_count_track()"
    )
    op.execute(
        "CREATE TRIGGER activity_month_count_update AFTER UPDATE ON activity_activity "
        f"FOR EACH ROW WHEN (({old_values}, OLD.deleted_at IS NULL) "
        f"IS DISTINCT FROM ({new_values}, NEW.deleted_at IS NULL)) "
        "EXECUTE FUNCTION activity_month_count_track()"
    )
    op.execute(
        "CREATE TRIGGER activity_month_count_delete AFTER DELETE ON activity_activity "
        "FOR EACH ROW WHEN (OLD.deleted_at IS NULL) "
        "EXECUTE FUNCTION activity_month_count_track()"
    )
    op.execute(
        """
        CREATE FUNCTION activity_month_count_clear() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            TRUNCATE activity_month_count, activity_month_count_change;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER activity_month_count_truncate AFTER TRUNCATE ON activity_activity "
        "FOR EACH STATEMENT EXECUTE FUNCTION activity_month_count_clear()"
    )
    op.execute(
        f"INSERT INTO activity_month_count ({KEYS}, {MEASURES}) "
        f"SELECT {KEYS}, count(*), coalesce(sum(attendees), 0), coalesce(sum(young_people), 0) "
        f"FROM activity_activity WHERE deleted_at IS NULL GROUP BY {KEYS}"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger in ("insert", "update", "delete", "truncate"):
            op.execute(
                f"DROP TRIGGER IF EXISTS activity_month_count_{trigger} ON activity_activity"
            )
        op.execute("DROP FUNCTION IF EXISTS activity_month_count_track()")
        op.execute("DROP FUNCTION IF EXISTS activity_month_count_clear()")
    op.drop_table("activity_month_count_change")
    op.drop_table("activity_month_count")
