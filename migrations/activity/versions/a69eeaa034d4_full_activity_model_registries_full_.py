"""full activity model, registries, full-text search

Adds the registries (areas, community groups, plans, volunteer hours), topics, "you said, we
did" actions, the amendment history, the derived columns of an activity (district, local date,
local month, week) and full-text search.

Full-text search is dialect-specific and lives outside the mapped tables (names start with
`fts_`, so autogenerate never compares them):
- SQLite: `fts_activity`, an FTS5 table with external content (`activity_activity`, keyed on
  its rowid), kept in step by triggers. A later revision that recreates `activity_activity`
  (batch mode) drops these triggers and may renumber rowids: it must call
  `create_sqlite_fts()` again, which also rebuilds the index.
- PostgreSQL: `fts_activity(activity_id, document tsvector)` with a GIN index, kept in step
  by a trigger.

Existing activities (from before registries existed) get their areas created from their codes
(district = the part before the first `-`) and their derived columns computed.

Revision ID: a69eeaa034d4
Revises: 9a3e05f60b3e
Create Date: 2026-11-25 21:44:56.307873
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "a69eeaa034d4"
down_revision: str | None = "9a3e05f60b3e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activity_area",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("parent_code", sa.String(length=40), nullable=True),
        sa.Column("district_code", sa.String(length=40), nullable=True),
        sa.Column("force_code", sa.String(length=40), nullable=True),
        sa.Column("police_uk_force", sa.String(length=100), nullable=True),
        sa.Column("police_uk_id", sa.String(length=100), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("centre_latitude", sa.Float(), nullable=True),
        sa.Column("centre_longitude", sa.Float(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("contact_details", sa.JSON(), nullable=False),
        sa.Column("people", sa.JSON(), nullable=False),
        sa.Column("priorities", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["activity_area.code"],
            name=op.f("fk_activity_area_parent_code_activity_area"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_activity_area")),
        sa.UniqueConstraint(
            "police_uk_force",
            "police_uk_id",
            name=op.f("uq_activity_area_police_uk_force_police_uk_id"),
        ),
    )
    with op.batch_alter_table("activity_area", schema=None) as batch_op:
        batch_op.create_index("ix_activity_area_parent_code", ["parent_code"], unique=False)

    op.create_table(
        "activity_community_group",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("group_type", sa.String(length=40), nullable=False),
        sa.Column("area_code", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=True),
        sa.Column("active_to", sa.Date(), nullable=True),
        sa.Column("members", sa.Integer(), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["activity_area.code"],
            name=op.f("fk_activity_community_group_area_code_activity_area"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_community_group")),
    )
    with op.batch_alter_table("activity_community_group", schema=None) as batch_op:
        batch_op.create_index("ix_activity_community_group_area_code", ["area_code"], unique=False)

    op.create_table(
        "activity_plan",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("area_code", sa.String(length=40), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("objectives", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["activity_area.code"],
            name=op.f("fk_activity_plan_area_code_activity_area"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["activity_plan.id"],
            name=op.f("fk_activity_plan_parent_id_activity_plan"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_plan")),
    )
    with op.batch_alter_table("activity_plan", schema=None) as batch_op:
        batch_op.create_index("ix_activity_plan_parent_id", ["parent_id"], unique=False)

    op.create_table(
        "activity_volunteer_hours",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("local_month", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=40), nullable=True),
        sa.Column("district_code", sa.String(length=40), nullable=True),
        sa.Column("volunteers", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["activity_area.code"],
            name=op.f("fk_activity_volunteer_hours_area_code_activity_area"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_volunteer_hours")),
    )
    with op.batch_alter_table("activity_volunteer_hours", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activity_volunteer_hours_local_month", ["local_month"], unique=False
        )

    op.create_table(
        "activity_action",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("issue", sa.String(length=500), nullable=False),
        sa.Column("action", sa.String(length=2000), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity_activity.id"],
            name=op.f("fk_activity_action_activity_id_activity_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_action")),
    )
    with op.batch_alter_table("activity_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_action_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            "ix_activity_action_done_on_due_on", ["done_on", "due_on"], unique=False
        )

    op.create_table(
        "activity_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("changed_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("comment", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity_activity.id"],
            name=op.f("fk_activity_history_activity_id_activity_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_history")),
    )
    with op.batch_alter_table("activity_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activity_history_activity_id_version", ["activity_id", "version"], unique=False
        )

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
            "ix_activity_topic_topic_activity_id", ["topic", "activity_id"], unique=False
        )

    with op.batch_alter_table("activity_activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("district_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("local_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("local_month", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("week_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("review_comment", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("reviewed_by", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("reviewed_at", shared.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("deleted_by", sa.String(length=100), nullable=True))

    _backfill_existing_activities()

    with op.batch_alter_table("activity_activity", schema=None) as batch_op:
        for name in ("district_code", "local_date", "local_month", "week_start", "search_text"):
            batch_op.alter_column(name, nullable=False)
        batch_op.create_index(
            "ix_activity_activity_district_code_starts_at",
            ["district_code", "starts_at"],
            unique=False,
        )
        batch_op.create_index("ix_activity_activity_local_month", ["local_month"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_activity_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(
            "ix_activity_activity_status_starts_at", ["status", "starts_at"], unique=False
        )
        batch_op.create_index(
            "ix_activity_activity_status_week_start",
            ["status", "week_start", "area_code"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_activity_activity_plan_id_activity_plan"),
            "activity_plan",
            ["plan_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_activity_activity_area_code_activity_area"),
            "activity_area",
            ["area_code"],
            ["code"],
        )

    if op.get_bind().dialect.name == "postgresql":
        create_postgresql_fts()
    else:
        create_sqlite_fts()


LONDON = ZoneInfo("Europe/London")


def _backfill_existing_activities() -> None:
    bind = op.get_bind()
    activity = sa.table(
        "activity_activity",
        sa.column("id", sa.Uuid()),
        sa.column("area_code", sa.String()),
        sa.column("starts_at", shared.db.UTCDateTime()),
        sa.column("title", sa.String()),
        sa.column("notes", sa.Text()),
        sa.column("district_code", sa.String()),
        sa.column("local_date", sa.Date()),
        sa.column("local_month", sa.Integer()),
        sa.column("week_start", sa.Date()),
        sa.column("search_text", sa.Text()),
    )
    area = sa.table(
        "activity_area",
        sa.column("code", sa.String()),
        sa.column("name", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("parent_code", sa.String()),
        sa.column("district_code", sa.String()),
        sa.column("contact_details", sa.JSON()),
        sa.column("people", sa.JSON()),
        sa.column("priorities", sa.JSON()),
        sa.column("version", sa.Integer()),
        sa.column("created_at", shared.db.UTCDateTime()),
        sa.column("updated_at", shared.db.UTCDateTime()),
    )
    codes = [row[0] for row in bind.execute(sa.select(activity.c.area_code).distinct())]
    if not codes:
        return
    now = datetime.now(UTC)
    base = {"contact_details": {}, "people": [], "priorities": [], "version": 1}
    districts = sorted({code.split("-")[0] for code in codes} - set(codes))
    for code in districts:
        bind.execute(
            area.insert().values(
                code=code,
                name=code,
                kind="district",
                parent_code=None,
                district_code=code,
                created_at=now,
                updated_at=now,
                **base,
            )
        )
    for code in sorted(set(codes)):
        district = code.split("-")[0]
        is_district = code == district
        bind.execute(
            area.insert().values(
                code=code,
                name=code,
                kind="district" if is_district else "neighbourhood",
                parent_code=None if is_district else district,
                district_code=district,
                created_at=now,
                updated_at=now,
                **base,
            )
        )
    rows = bind.execute(
        sa.select(
            activity.c.id,
            activity.c.area_code,
            activity.c.starts_at,
            activity.c.title,
            activity.c.notes,
        )
    ).all()
    for row in rows:
        local = row.starts_at.astimezone(LONDON).date()
        bind.execute(
            activity.update()
            .where(activity.c.id == row.id)
            .values(
                district_code=row.area_code.split("-")[0],
                local_date=local,
                local_month=local.year * 100 + local.month,
                week_start=local - timedelta(days=local.weekday()),
                search_text=" ".join(filter(None, [row.title, row.notes])),
            )
        )


def create_sqlite_fts() -> None:
    """FTS5 over `search_text`, external content keyed on the activity rowid; (re)builds it."""
    for trigger in ("fts_activity_ai", "fts_activity_ad", "fts_activity_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS fts_activity USING fts5("
        "search_text, content='activity_activity', content_rowid='rowid', "
        "tokenize='porter unicode61')"
    )
    op.execute(
        "CREATE TRIGGER fts_activity_ai AFTER INSERT ON activity_activity BEGIN "
        "INSERT INTO fts_activity(rowid, search_text) VALUES (new.rowid, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER fts_activity_ad AFTER DELETE ON activity_activity BEGIN "
        "INSERT INTO fts_activity(fts_activity, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER fts_activity_au AFTER UPDATE OF search_text ON activity_activity BEGIN "
        "INSERT INTO fts_activity(fts_activity, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); "
        "INSERT INTO fts_activity(rowid, search_text) VALUES (new.rowid, new.search_text); END"
    )
    op.execute("INSERT INTO fts_activity(fts_activity) VALUES ('rebuild')")


def create_postgresql_fts() -> None:
    op.execute(
        "CREATE TABLE fts_activity ("
        "activity_id uuid PRIMARY KEY REFERENCES activity_activity(id) ON DELETE CASCADE, "
        "document tsvector NOT NULL)"
    )
    op.execute("CREATE INDEX fts_activity_document ON fts_activity USING gin (document)")
    op.execute(
        """
        CREATE FUNCTION fts_activity_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO fts_activity (activity_id, document)
            VALUES (NEW.id, to_tsvector('english', NEW.search_text))
            ON CONFLICT (activity_id) DO UPDATE SET document = EXCLUDED.document;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER fts_activity_sync AFTER INSERT OR UPDATE OF search_text "
        "ON activity_activity FOR EACH ROW EXECUTE FUNCTION fts_activity_sync()"
    )
    op.execute(
        "INSERT INTO fts_activity (activity_id, document) "
        "SELECT id, to_tsvector('english', search_text) FROM activity_activity"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS fts_activity_sync ON activity_activity")
        op.execute("DROP FUNCTION IF EXISTS fts_activity_sync()")
        op.execute("DROP TABLE IF EXISTS fts_activity")
    else:
        for trigger in ("fts_activity_ai", "fts_activity_ad", "fts_activity_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS fts_activity")
    with op.batch_alter_table("activity_activity", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_activity_activity_area_code_activity_area"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_activity_activity_plan_id_activity_plan"), type_="foreignkey"
        )
        batch_op.drop_index("ix_activity_activity_status_week_start")
        batch_op.drop_index("ix_activity_activity_status_starts_at")
        batch_op.drop_index(batch_op.f("ix_activity_activity_plan_id"))
        batch_op.drop_index("ix_activity_activity_local_month")
        batch_op.drop_index("ix_activity_activity_district_code_starts_at")
        batch_op.drop_column("deleted_by")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by")
        batch_op.drop_column("review_comment")
        batch_op.drop_column("search_text")
        batch_op.drop_column("week_start")
        batch_op.drop_column("local_month")
        batch_op.drop_column("local_date")
        batch_op.drop_column("district_code")

    with op.batch_alter_table("activity_topic", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_topic_topic_activity_id")

    op.drop_table("activity_topic")
    with op.batch_alter_table("activity_history", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_history_activity_id_version")

    op.drop_table("activity_history")
    with op.batch_alter_table("activity_action", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_action_done_on_due_on")
        batch_op.drop_index(batch_op.f("ix_activity_action_activity_id"))

    op.drop_table("activity_action")
    with op.batch_alter_table("activity_volunteer_hours", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_volunteer_hours_local_month")

    op.drop_table("activity_volunteer_hours")
    with op.batch_alter_table("activity_plan", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_plan_parent_id")

    op.drop_table("activity_plan")
    with op.batch_alter_table("activity_community_group", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_community_group_area_code")

    op.drop_table("activity_community_group")
    with op.batch_alter_table("activity_area", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_area_parent_code")

    op.drop_table("activity_area")
