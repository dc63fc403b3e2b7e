"""search document as a generated column (PostgreSQL)

The full-text document of an activity moves from the side table `fts_activity`, filled by a
row trigger, to a stored generated column `activity_activity.fts_document` with its own GIN
index. PostgreSQL computes it as part of the insert itself: no trigger call, no second row,
no foreign-key check per activity (measured: an insert of 500 activities 33 ms -> 17-20 ms).
Names starting `fts_` are left out of autogenerate comparisons (`shared.migrations`): the
column and index exist on PostgreSQL only. SQLite keeps its FTS5 table.

Revision ID: 19fd90557df7
Revises: 1de438cd6858
Create Date: 2026-11-27 13:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "19fd90557df7"
down_revision: str | None = "1de438cd6858"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS fts_activity_sync ON activity_activity")
    op.execute("DROP FUNCTION IF EXISTS fts_activity_sync()")
    op.execute("DROP TABLE IF EXISTS fts_activity")
    op.execute(
        "ALTER TABLE activity_activity ADD COLUMN fts_document tsvector "
        "GENERATED ALWAYS AS (to_tsvector('english', search_text)) STORED"
    )
    op.execute(
        "CREATE INDEX fts_activity_activity_document ON activity_activity USING gin (fts_document)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS fts_activity_activity_document")
    op.execute("ALTER TABLE activity_activity DROP COLUMN IF EXISTS fts_document")
    # The side table and its trigger as revision a69eeaa034d4 made them.
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
