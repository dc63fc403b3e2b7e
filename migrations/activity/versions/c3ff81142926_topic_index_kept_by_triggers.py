"""topic index kept by triggers

`activity_topic` (one row per topic of an activity) is now maintained by the database from
`activity_activity.topics`, on insert and on update of `topics`, so every way of writing an
activity (single post, batch, amendment, bulk load) keeps it right without another round trip.
Existing rows are re-derived.

Trigger names start with `activity_topic_sync`; a later revision that recreates
`activity_activity` on SQLite (batch mode) must call `create_sqlite_triggers()` again.

Revision ID: c3ff81142926
Revises: a69eeaa034d4
Create Date: 2026-11-25 22:12:30.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c3ff81142926"
down_revision: str | None = "a69eeaa034d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_TRIGGERS = ("activity_topic_sync_ai", "activity_topic_sync_au")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        create_postgresql_triggers()
    else:
        create_sqlite_triggers()
    op.execute("DELETE FROM activity_topic")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "INSERT INTO activity_topic (activity_id, topic) "
            "SELECT DISTINCT id, json_array_elements_text(topics) FROM activity_activity"
        )
    else:
        op.execute(
            "INSERT INTO activity_topic (activity_id, topic) "
            "SELECT DISTINCT a.id, t.value FROM activity_activity AS a, json_each(a.topics) AS t"
        )


def create_sqlite_triggers() -> None:
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(
        "CREATE TRIGGER activity_topic_sync_ai AFTER INSERT ON activity_activity BEGIN "
        "INSERT OR IGNORE INTO activity_topic (activity_id, topic) "
        "SELECT new.id, value FROM json_each(new.topics); END"
    )
    op.execute(
        "CREATE TRIGGER activity_topic_sync_au AFTER UPDATE OF topics ON activity_activity "
        "BEGIN DELETE FROM activity_topic WHERE activity_id = old.id; "
        "INSERT OR IGNORE INTO activity_topic (activity_id, topic) "
        "SELECT new.id, value FROM json_each(new.topics); END"
    )


def create_postgresql_triggers() -> None:
    op.execute(
        """
        CREATE FUNCTION activity_topic_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                DELETE FROM activity_topic WHERE activity_id = OLD.id;
            END IF;
            INSERT INTO activity_topic (activity_id, topic)
            SELECT DISTINCT NEW.id, json_array_elements_text(NEW.topics)
            ON CONFLICT DO NOTHING;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER activity_topic_sync AFTER INSERT OR UPDATE OF topics "
        "ON activity_activity FOR EACH ROW EXECUTE FUNCTION activity_topic_sync()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS activity_topic_sync ON activity_activity")
        op.execute("DROP FUNCTION IF EXISTS activity_topic_sync()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
