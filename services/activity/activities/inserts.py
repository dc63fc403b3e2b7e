"""The inserts of new activities: one statement each, their district taken from their area."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pydantic_core
from sqlalchemy import (
    bindparam,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import TextualSelect

from services.activity.activities.repository import ACTIVITY, dialect_of
from services.activity.areas.repository import AREA
from services.activity.models import ACTIVITY_AUDIT
from shared.db import Database, DriverStatement, insert_ignoring_conflicts

_FROM_AREA_COLUMNS = [c.name for c in ACTIVITY.columns if c.name != "district_code"]
_LOGGABLE_KINDS = ("neighbourhood", "district")
_insert_from_area: dict[str, Any] = {}


def _insert_from_area_statement(dialect: str) -> Any:
    """INSERT ... SELECT <values>, area.district_code FROM activity_area WHERE code = :area
    ... ON CONFLICT (id) DO NOTHING RETURNING district_code: the area check, the derived
    district and the insert in one round trip (compiled once per dialect, then cached)."""
    if dialect not in _insert_from_area:
        source = select(
            *[bindparam(f"p_{n}", type_=ACTIVITY.c[n].type) for n in _FROM_AREA_COLUMNS],
            AREA.c.district_code,
        ).where(
            AREA.c.code == bindparam("p_area_lookup"),
            # Literal values: an expanding IN parameter would be re-rendered on every call.
            AREA.c.kind.in_([literal_column(f"'{kind}'") for kind in _LOGGABLE_KINDS]),
        )
        base = pg_insert if dialect == "postgresql" else sqlite_insert
        _insert_from_area[dialect] = (
            base(ACTIVITY)
            .from_select([*_FROM_AREA_COLUMNS, "district_code"], source)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(ACTIVITY.c.district_code)
        )
    return _insert_from_area[dialect]


def _insert_from_area_params(values: dict[str, Any]) -> dict[str, Any]:
    params = {f"p_{n}": values[n] for n in _FROM_AREA_COLUMNS}
    params["p_area_lookup"] = values["area_code"]
    return params


async def insert_activity_in_area(session: AsyncSession, values: dict[str, Any]) -> str | None:
    """Insert an activity whose district comes from its area; the district, or None when
    nothing was inserted (the id exists, or the area is unknown or not loggable)."""
    statement = _insert_from_area_statement(dialect_of(session))
    row = (await session.execute(statement, _insert_from_area_params(values))).first()
    return None if row is None else str(row[0])


_INSERT_FROM_AREA_ON_DRIVER = DriverStatement(
    _insert_from_area_statement,
    {
        **{f"p_{n}": ACTIVITY.c[n].type for n in _FROM_AREA_COLUMNS},
        "p_area_lookup": AREA.c.code.type,
    },
)


async def insert_activity_in_area_alone(db: Database, values: dict[str, Any]) -> str | None:
    """The same insert as the only statement of its request, autocommitted on the driver."""
    row = await _INSERT_FROM_AREA_ON_DRIVER.fetch_one(db, _insert_from_area_params(values))
    return None if row is None else str(row[0])


_AUDIT_COLUMNS = [c.name for c in ACTIVITY_AUDIT.columns]


def _insert_recorded_statement(dialect: str) -> Any:
    """PostgreSQL: the insert from its area and its audit record in one statement (the record
    is inserted for the row the insert returns, so only for an activity stored)."""
    assert dialect == "postgresql", "SQLite has no data-modifying WITH: one transaction there"
    created = _insert_from_area_statement(dialect).cte("created")
    record = insert(ACTIVITY_AUDIT).from_select(
        _AUDIT_COLUMNS,
        select(
            *[bindparam(f"a_{n}", type_=ACTIVITY_AUDIT.c[n].type) for n in _AUDIT_COLUMNS]
        ).select_from(created),
    )
    return select(created.c.district_code).add_cte(record.cte("recorded"))


_INSERT_RECORDED_ON_DRIVER = DriverStatement(
    _insert_recorded_statement,
    {
        **{f"p_{n}": ACTIVITY.c[n].type for n in _FROM_AREA_COLUMNS},
        "p_area_lookup": AREA.c.code.type,
        **{f"a_{n}": ACTIVITY_AUDIT.c[n].type for n in _AUDIT_COLUMNS},
    },
)


async def insert_activity_in_area_recorded(
    db: Database, values: dict[str, Any], record: dict[str, Any]
) -> str | None:
    """`insert_activity_in_area_alone` with the write's audit record, atomically (PostgreSQL)."""
    params = _insert_from_area_params(values)
    params.update({f"a_{n}": record[n] for n in _AUDIT_COLUMNS})
    row = await _INSERT_RECORDED_ON_DRIVER.fetch_one(db, params)
    return None if row is None else str(row[0])


async def insert_activities(
    session: AsyncSession, rows: Sequence[dict[str, Any]]
) -> set[uuid.UUID]:
    """`INSERT ... ON CONFLICT (id) DO NOTHING RETURNING id` for many rows: the ids inserted.

    One cached statement with many parameter sets, sent as multi-row VALUES pages by
    SQLAlchemy (SQLite's batch path; PostgreSQL's is `insert_activities_from_json`).
    """
    if not rows:
        return set()
    stmt = insert_ignoring_conflicts(ACTIVITY, dialect_of(session), ["id"])
    result = await session.execute(stmt.returning(ACTIVITY.c.id), list(rows))
    return {row[0] for row in result}


# The columns of a new activity that do not come straight from its request body, and their
# SQL types: the keys of `service.derived_of`, sent as JSON to `insert_activities_from_json`.
_DERIVED_COLUMNS = (
    ("district_code", "text"),
    ("topics", "json"),
    ("topic_mask", "integer"),
    ("local_date", "date"),
    ("local_month", "integer"),
    ("week_start", "date"),
    ("search_text", "text"),
    ("request_hash", "text"),
)


async def insert_activities_from_json(
    session: AsyncSession,
    bodies: bytes,
    derived: Sequence[dict[str, Any]],
    *,
    logged_by: str,
    review_state: str,
    now: datetime,
) -> set[uuid.UUID]:
    """Many new activities in one statement (PostgreSQL), ON CONFLICT (id) DO NOTHING: the ids
    inserted.

    `bodies` is a JSON array of the validated request bodies (`ActivityCreate`, every field,
    as pydantic-core writes them in one call) and `derived` their other columns
    (`_DERIVED_COLUMNS`), in the same order; PostgreSQL reads both side by side with
    `ROWS FROM (json_to_recordset(...), json_to_recordset(...))` and takes the nested parts
    apart itself. Building a Python row per activity and encoding it cost the service more CPU per
    activity than anything else in a batch (measured); here that work is PostgreSQL's, which
    has a core to spare while the service validates the next batch.
    """
    if not derived:
        return set()
    params = {
        "bodies": bodies.decode(),
        "derived": pydantic_core.to_json(derived).decode(),
        "logged_by": logged_by,
        "review_state": review_state,
        "now": now,
    }
    return {row[0] for row in await session.execute(_INSERT_FROM_JSON, params)}


def _insert_from_json_statement() -> TextualSelect:
    # The same columns as `service.activity_values` writes, taken from the body where they
    # are the body's own (nested parts with ->>, `details` as `details_of` keeps them: the
    # four parts, nulls left out); tests check both paths store the same.
    source = {
        "id": "r.id",
        "title": "r.title",
        "status": "r.status",
        "starts_at": "r.starts_at",
        "ends_at": "r.ends_at",
        "directorate": "r.directorate",
        "activity_type": "r.activity_type",
        "channel": "r.channel",
        "classification": "r.classification",
        "purpose": "r.purpose",
        "topics": "r.topics",
        "topic_mask": "r.topic_mask",
        "area_code": "r.area",
        "district_code": "r.district_code",
        "local_date": "r.local_date",
        "local_month": "r.local_month",
        "week_start": "r.week_start",
        "venue": "r.location ->> 'venue'",
        "latitude": "CAST(r.location ->> 'latitude' AS double precision)",
        "longitude": "CAST(r.location ->> 'longitude' AS double precision)",
        "attendees": "CAST(r.audience ->> 'attendees' AS integer)",
        "young_people": "CAST(r.audience ->> 'young_people' AS integer)",
        "notes": "r.notes",
        "details": "json_strip_nulls(json_build_object('audience', r.audience, 'school', "
        "r.school, 'outcome', r.outcome, 'debrief', r.debrief))",
        "plan_id": "r.plan_id",
        "search_text": "r.search_text",
        "intel_submitted": "r.intel_submitted",
        "logged_by": ":logged_by",
        "source": "r.source",
        "review_state": ":review_state",
        "review_comment": "NULL",
        "reviewed_by": "NULL",
        "reviewed_at": "NULL",
        "version": "1",
        "request_hash": "r.request_hash",
        "created_at": ":now",
        "updated_at": ":now",
        "deleted_at": "NULL",
        "delete_reason": "NULL",
        "deleted_by": "NULL",
    }
    assert list(source) == [column.name for column in ACTIVITY.columns], "columns drifted"
    bodies = (
        "id uuid, title text, status text, starts_at timestamptz, ends_at timestamptz, "
        "directorate text, activity_type text, channel text, classification text, "
        "purpose text, area text, location json, audience json, school json, outcome json, "
        "debrief json, plan_id uuid, intel_submitted integer, notes text, source text"
    )
    derived = ", ".join(f"{name} {kind}" for name, kind in _DERIVED_COLUMNS)
    return (
        text(
            f"INSERT INTO {ACTIVITY.name} ({', '.join(source)}) "
            f"SELECT {', '.join(source.values())} "
            f"FROM ROWS FROM (json_to_recordset(CAST(:bodies AS json)) AS ({bodies}), "
            f"json_to_recordset(CAST(:derived AS json)) AS ({derived})) AS r "
            "ON CONFLICT (id) DO NOTHING RETURNING id"
        )
        .bindparams(bindparam("now", type_=ACTIVITY.c.created_at.type))
        .columns(ACTIVITY.c.id)
    )


_INSERT_FROM_JSON = _insert_from_json_statement()
