"""The CSV export of the log: keyset batches, each in its own short read."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from services.activity.activities import repository
from services.activity.analytics.filters import Filters
from shared.db import Database

EXPORT_COLUMNS = (
    "id",
    "title",
    "status",
    "starts_at",
    "ends_at",
    "local_date",
    "directorate",
    "activity_type",
    "channel",
    "classification",
    "purpose",
    "topics",
    "area",
    "district",
    "venue",
    "latitude",
    "longitude",
    "attendees",
    "young_people",
    "intel_submitted",
    "plan_id",
    "review_state",
    "source",
    "logged_by",
    "notes",
    "version",
    "created_at",
    "updated_at",
)
EXPORT_BATCH = 5000

# The stored columns the export reads (not the nested details nor the search text).
_EXPORT_SOURCE = tuple(
    {"area": "area_code", "district": "district_code"}.get(name, name) for name in EXPORT_COLUMNS
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet could run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_cells(a: Any) -> list[Any]:
    text_cells = [
        a.title,
        a.venue,
        a.notes,
        a.logged_by,
        a.area_code,
        a.district_code,
    ]
    title, venue, notes, logged_by, area, district = (safe_cell(v) for v in text_cells)
    return [
        a.id,
        title,
        a.status,
        a.starts_at.isoformat(),
        a.ends_at.isoformat() if a.ends_at else "",
        a.local_date.isoformat(),
        a.directorate,
        a.activity_type,
        a.channel,
        a.classification,
        a.purpose or "",
        ";".join(a.topics),
        area,
        district,
        venue or "",
        "" if a.latitude is None else a.latitude,
        "" if a.longitude is None else a.longitude,
        "" if a.attendees is None else a.attendees,
        "" if a.young_people is None else a.young_people,
        a.intel_submitted,
        a.plan_id or "",
        a.review_state,
        a.source,
        logged_by,
        notes or "",
        a.version,
        a.created_at.isoformat(),
        a.updated_at.isoformat(),
    ]


async def export_csv(db: Database, filters: Filters) -> AsyncIterator[bytes]:
    """Keyset batches, each in its own short read: memory stays flat at any size."""
    dialect = "sqlite" if db.sqlite else "postgresql"
    conditions = filters.conditions(dialect)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    yield ("\ufeff" + buffer.getvalue()).encode()
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        async with db.read_sessions() as session:
            rows = await repository.list_activity_rows(
                session,
                columns=_EXPORT_SOURCE,
                conditions=conditions,
                after=after,
                limit=EXPORT_BATCH,
            )
        if not rows:
            return
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(export_cells(r) for r in rows)
        yield buffer.getvalue().encode()
        if len(rows) < EXPORT_BATCH:
            return
        after = (rows[-1].starts_at, rows[-1].id)
