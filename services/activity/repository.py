"""Queries of the activity service. Flushes, never commits: the request boundary commits."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

import pydantic_core
from sqlalchemy import (
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import TextualSelect

from services.activity.models import (
    ACTIVITY_AUDIT,
    Activity,
    ActivityAction,
    ActivityHistory,
    ActivityMonthCount,
    ActivityMonthCountChange,
    Area,
    IdempotencyRecord,
    Plan,
    VolunteerHours,
)
from shared.contracts.taxonomy import TOPIC_BITS, Topic
from shared.db import Database, DriverStatement, insert_ignoring_conflicts

ACTIVITY = Activity.__table__  # type: ignore[attr-defined]
IDEMPOTENCY = IdempotencyRecord.__table__  # type: ignore[attr-defined]
ACTION = ActivityAction.__table__  # type: ignore[attr-defined]
HISTORY = ActivityHistory.__table__  # type: ignore[attr-defined]
AREA = Area.__table__  # type: ignore[attr-defined]
PLAN = Plan.__table__  # type: ignore[attr-defined]
HOURS = VolunteerHours.__table__  # type: ignore[attr-defined]
MONTH_COUNT = ActivityMonthCount.__table__  # type: ignore[attr-defined]
MONTH_COUNT_CHANGE = ActivityMonthCountChange.__table__  # type: ignore[attr-defined]


class LockTimeout(Exception):
    """Another transaction holds the row we need (PostgreSQL lock_timeout)."""


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def set_lock_timeout(session: AsyncSession, milliseconds: int) -> None:
    if dialect_of(session) == "postgresql":
        await session.execute(text(f"SET LOCAL lock_timeout = {int(milliseconds)}"))


# --- idempotency keys ----------------------------------------------------------------------


async def claim_idempotency_key(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the key record; False when the key already exists.

    On PostgreSQL a concurrent holder of the same key makes this wait (bounded by the
    lock timeout) until it commits or rolls back.
    """
    stmt = insert_ignoring_conflicts(IDEMPOTENCY, dialect_of(session), ["principal_id", "key"])
    try:
        result = await session.execute(stmt.values(**values))
    except DBAPIError as exc:
        if "lock timeout" in str(exc.orig).lower() or "LockNotAvailable" in type(exc.orig).__name__:
            raise LockTimeout from exc
        raise
    return bool(result.rowcount)


async def get_idempotency_record(
    session: AsyncSession, principal_id: str, key: str
) -> IdempotencyRecord | None:
    row = await session.execute(
        select(IdempotencyRecord).where(
            IdempotencyRecord.principal_id == principal_id,  # type: ignore[arg-type]
            IdempotencyRecord.key == key,  # type: ignore[arg-type]
        )
    )
    return row.scalar_one_or_none()


async def complete_idempotency_key(
    session: AsyncSession,
    principal_id: str,
    key: str,
    *,
    status_code: int,
    body: str,
    headers: dict[str, str],
) -> None:
    await session.execute(
        update(IDEMPOTENCY)
        .where(IDEMPOTENCY.c.principal_id == principal_id, IDEMPOTENCY.c.key == key)
        .values(status_code=status_code, response_body=body, response_headers=headers)
    )


async def purge_expired_idempotency_keys(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(IDEMPOTENCY).where(IDEMPOTENCY.c.expires_at < now))
    return int(result.rowcount or 0)


# --- registries the log depends on ---------------------------------------------------------


async def area_districts(session: AsyncSession, codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    """code -> (kind, district) for the known codes among `codes`."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = await session.execute(
        select(AREA.c.code, AREA.c.kind, AREA.c.district_code).where(AREA.c.code.in_(wanted))
    )
    return {code: (kind, district) for code, kind, district in rows}


async def _existing_keys(session: AsyncSession, column: Any, keys: Iterable[Any]) -> set[Any]:
    """Which of `keys` are stored in `column` (one IN query; none for no keys)."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    return {row[0] for row in await session.execute(select(column).where(column.in_(wanted)))}


async def existing_plans(session: AsyncSession, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    return await _existing_keys(session, PLAN.c.id, ids)


async def areas_by_police_uk_id(
    session: AsyncSession, force: str, ids: Iterable[str]
) -> dict[str, Area]:
    """data.police.uk id -> the area linked to it, for the ids of `force` among `ids`."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(Area).where(
            Area.police_uk_force == force,  # type: ignore[arg-type]
            Area.police_uk_id.in_(wanted),  # type: ignore[union-attr]
        )
    )
    return {area.police_uk_id: area for area in rows.scalars() if area.police_uk_id is not None}


async def existing_area_codes(session: AsyncSession, codes: Iterable[str]) -> set[str]:
    return await _existing_keys(session, AREA.c.code, codes)


async def set_district_of_area(
    session: AsyncSession, area_code: str, district: str, now: datetime
) -> list[tuple[uuid.UUID, int, str]]:
    """An area moved to another district: what is logged against it follows (set-based).

    Each moved activity gets a new version, since its representation (and so its ETag)
    changed. Returns (id, new version, old district) of each, for the amendment history.
    """
    # Locked first so a concurrent PATCH cannot slip a version in between (PostgreSQL;
    # SQLite writers are serialised anyway).
    moving = (
        await session.execute(
            select(ACTIVITY.c.id, ACTIVITY.c.version, ACTIVITY.c.district_code)
            .where(ACTIVITY.c.area_code == area_code, ACTIVITY.c.district_code != district)
            .with_for_update()
        )
    ).all()
    if moving:
        await session.execute(
            update(ACTIVITY)
            .where(ACTIVITY.c.area_code == area_code, ACTIVITY.c.district_code != district)
            .values(district_code=district, version=ACTIVITY.c.version + 1, updated_at=now)
        )
    await session.execute(
        update(HOURS)
        .where(
            HOURS.c.area_code == area_code,
            or_(HOURS.c.district_code.is_(None), HOURS.c.district_code != district),
        )
        .values(district_code=district)
    )
    return [(row.id, row.version + 1, row.district_code) for row in moving]


async def set_force_under_area(session: AsyncSession, parent_code: str, force: str | None) -> None:
    """A district moved to another force: the areas under it follow (set-based)."""
    await session.execute(
        update(AREA).where(AREA.c.parent_code == parent_code).values(force_code=force)
    )


async def plan_activity_counts(
    session: AsyncSession, plan_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    """plan id -> {status: live activities}, for many plans in one grouped query."""
    out: dict[uuid.UUID, dict[str, int]] = {plan_id: {} for plan_id in plan_ids}
    if not plan_ids:
        return out
    rows = await session.execute(
        select(ACTIVITY.c.plan_id, ACTIVITY.c.status, func.count())
        .where(ACTIVITY.c.plan_id.in_(sorted(set(plan_ids))), ACTIVITY.c.deleted_at.is_(None))
        .group_by(ACTIVITY.c.plan_id, ACTIVITY.c.status)
    )
    for plan_id, status, count in rows:
        out[plan_id][status] = int(count)
    return out


# --- activities: writes --------------------------------------------------------------------


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


async def insert_rows(session: AsyncSession, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Many rows with one cached INSERT (sent as multi-row VALUES pages, not row by row)."""
    if rows:
        await session.execute(table.insert(), list(rows))


class StoredCreate(NamedTuple):
    """What tells a resend of a create apart: its body hash, version, and whether it is gone."""

    request_hash: str
    version: int
    deleted_at: datetime | None


async def stored_creates(
    session: AsyncSession, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, StoredCreate]:
    """For the ids among `ids` already taken (deleted activities included)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(
            ACTIVITY.c.id, ACTIVITY.c.request_hash, ACTIVITY.c.version, ACTIVITY.c.deleted_at
        ).where(ACTIVITY.c.id.in_(wanted))
    )
    return {row[0]: StoredCreate(row[1], row[2], row[3]) for row in rows}


async def replace_actions(
    session: AsyncSession, activity_id: uuid.UUID, rows: list[dict[str, Any]]
) -> None:
    await session.execute(delete(ACTION).where(ACTION.c.activity_id == activity_id))
    await insert_rows(session, ACTION, rows)


async def update_activity(
    session: AsyncSession, activity_id: uuid.UUID, expected_version: int, values: dict[str, Any]
) -> bool:
    """Compare-and-set on the version: False when another writer got there first."""
    result = await session.execute(
        update(ACTIVITY)
        .where(
            ACTIVITY.c.id == activity_id,
            ACTIVITY.c.version == expected_version,
            ACTIVITY.c.deleted_at.is_(None),
        )
        .values(**values)
    )
    return bool(result.rowcount)


async def add_history(session: AsyncSession, *entries: dict[str, Any]) -> None:
    if entries:
        await session.execute(HISTORY.insert(), list(entries))


# --- activities: reads ---------------------------------------------------------------------


def in_districts(column: Any, districts: frozenset[str] | None) -> list[Any]:
    """The service's one district rule, applied by every query that finds records: a caller
    limited to districts (`Principal.districts`) only ever reaches records of those districts;
    anything else is, to that caller, not there (a 404, never a 403)."""
    return [] if districts is None else [column.in_(sorted(districts))]


def registry_in_districts(model: Any, districts: frozenset[str] | None) -> list[Any]:
    """`in_districts` for a registry table: by its own district, or by its area's."""
    if districts is None:
        return []
    table = model.__table__
    if "district_code" in table.c:
        return in_districts(table.c.district_code, districts)
    areas = select(AREA.c.code).where(*in_districts(AREA.c.district_code, districts))
    return [table.c.area_code.in_(areas)]


async def get_registry_record(
    session: AsyncSession,
    model: Any,
    key: Any,
    districts: frozenset[str] | None,
    *,
    for_update: bool = False,
) -> Any:
    """One area, group, plan or volunteer-hours record, if the caller's districts reach it."""
    (primary,) = model.__table__.primary_key.columns
    stmt = select(model).where(primary == key, *registry_in_districts(model, districts))
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_activity(
    session: AsyncSession,
    activity_id: uuid.UUID,
    *,
    include_deleted: bool = False,
    districts: frozenset[str] | None = None,
) -> Activity | None:
    stmt = select(Activity).where(
        Activity.id == activity_id,  # type: ignore[arg-type]
        *in_districts(ACTIVITY.c.district_code, districts),
    )
    if not include_deleted:
        stmt = stmt.where(Activity.deleted_at.is_(None))  # type: ignore[union-attr]
    return (await session.execute(stmt)).scalar_one_or_none()


async def actions_of(
    session: AsyncSession, activity_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ActivityAction]]:
    out: dict[uuid.UUID, list[ActivityAction]] = {i: [] for i in activity_ids}
    if not activity_ids:
        return out
    rows = await session.execute(
        select(ActivityAction)
        .where(ActivityAction.activity_id.in_(list(activity_ids)))  # type: ignore[attr-defined]
        .order_by(ActivityAction.activity_id, ActivityAction.position)  # type: ignore[arg-type]
    )
    for action in rows.scalars():
        out.setdefault(action.activity_id, []).append(action)
    return out


async def history_of(session: AsyncSession, activity_id: uuid.UUID) -> list[ActivityHistory]:
    rows = await session.execute(
        select(ActivityHistory)
        .where(ActivityHistory.activity_id == activity_id)  # type: ignore[arg-type]
        .order_by(ActivityHistory.version)  # type: ignore[arg-type]
    )
    return list(rows.scalars())


def keyset_after(after: tuple[datetime, uuid.UUID] | None) -> list[Any]:
    """Rows after the cursor in newest-first order. Written as a row-value comparison, which
    both databases read as the start of the index range; the same test spelled with OR was a
    filter, so every page rescanned all newer rows (an export of 443k rows: 5k rows/s)."""
    if after is None:
        return []
    return [tuple_(ACTIVITY.c.starts_at, ACTIVITY.c.id) < tuple_(*after)]


async def list_activities(
    session: AsyncSession,
    *,
    conditions: list[Any],
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Activity]:
    """Newest first; keyset on (starts_at, id) so pages stay stable under inserts."""
    stmt = (
        select(Activity)
        .where(Activity.deleted_at.is_(None), *conditions, *keyset_after(after))  # type: ignore[union-attr]
        .order_by(Activity.starts_at.desc(), Activity.id.desc())  # type: ignore[attr-defined]
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def list_activity_rows(
    session: AsyncSession,
    *,
    columns: Sequence[str],
    conditions: list[Any],
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    """Like `list_activities`, as plain rows of `columns` (no ORM objects): for exports."""
    stmt = (
        select(*(ACTIVITY.c[name] for name in columns))
        .where(ACTIVITY.c.deleted_at.is_(None), *conditions, *keyset_after(after))
        .order_by(ACTIVITY.c.starts_at.desc(), ACTIVITY.c.id.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).all())


def topic_condition(topic: Topic) -> Any:
    return ACTIVITY.c.topic_mask.op("&")(TOPIC_BITS[topic]) != 0


_WORD = re.compile(r"\w+", re.UNICODE)


def search_words(q: str) -> list[str]:
    return _WORD.findall(q)[:20]


def search_condition(dialect: str, words: list[str]) -> Any:
    """Every word must match (stemmed): PostgreSQL full-text search or SQLite FTS5."""
    if dialect == "postgresql":
        # `fts_document`: a stored generated column with a GIN index (PostgreSQL only, so not
        # in the model; see migration 19fd90557df7).
        return text(
            "activity_activity.fts_document @@ plainto_tsquery('english', :fts_query)"
        ).bindparams(fts_query=" ".join(words))
    quoted = " ".join('"' + w.replace('"', "") + '"' for w in words)
    return text(
        "activity_activity.rowid IN (SELECT rowid FROM fts_activity "
        "WHERE fts_activity MATCH :fts_query)"
    ).bindparams(fts_query=quoted)


# --- finding and counting ------------------------------------------------------------------


async def overlaps(
    session: AsyncSession,
    filters: list[Callable[[Any], Any]],
    limit: int,
    districts: frozenset[str] | None = None,
) -> list[tuple[Any, Any, str]]:
    """Planned activities of different directorates, same local week, same area or venue
    (both of them in the caller's districts)."""
    first = aliased(Activity, name="a")
    second = aliased(Activity, name="b")
    same_venue = and_(
        first.venue.is_not(None),  # type: ignore[union-attr]
        func.lower(first.venue) == func.lower(second.venue),
    )
    stmt = (
        select(first, second)
        .join(
            second,
            and_(
                second.status == "planned",  # type: ignore[arg-type]
                second.deleted_at.is_(None),  # type: ignore[union-attr]
                second.week_start == first.week_start,  # type: ignore[arg-type]
                second.directorate > first.directorate,  # type: ignore[arg-type]
                or_(second.area_code == first.area_code, same_venue),  # type: ignore[arg-type]
                *in_districts(second.district_code, districts),
            ),
        )
        .where(
            first.status == "planned",  # type: ignore[arg-type]
            first.deleted_at.is_(None),  # type: ignore[union-attr]
            *[condition(first) for condition in filters],
            *in_districts(first.district_code, districts),
        )
        .order_by(first.week_start, first.area_code, first.starts_at, first.id, second.id)  # type: ignore[arg-type]
        .limit(limit)
    )
    out = []
    for a, b in (await session.execute(stmt)).all():
        out.append((a, b, "same_area" if a.area_code == b.area_code else "same_venue"))
    return out


async def get_action(session: AsyncSession, action_id: uuid.UUID) -> ActivityAction | None:
    return await session.get(ActivityAction, action_id)


async def overdue_actions(
    session: AsyncSession,
    *,
    today: date,
    overdue_only: bool,
    open_only: bool,
    area: str | None,
    district: str | None,
    after: tuple[date | None, uuid.UUID] | None,
    limit: int,
    districts: frozenset[str] | None = None,
) -> list[tuple[ActivityAction, Activity]]:
    due = ActivityAction.due_on
    stmt = (
        select(ActivityAction, Activity)
        .join(Activity, Activity.id == ActivityAction.activity_id)  # type: ignore[arg-type]
        .where(
            Activity.deleted_at.is_(None),  # type: ignore[union-attr]
            *in_districts(ACTIVITY.c.district_code, districts),
        )
    )
    if overdue_only:
        stmt = stmt.where(
            ActivityAction.done_on.is_(None),  # type: ignore[union-attr]
            due < today,  # type: ignore[operator]
        )
    elif open_only:
        stmt = stmt.where(ActivityAction.done_on.is_(None))  # type: ignore[union-attr]
    if area is not None:
        stmt = stmt.where(Activity.area_code == area)  # type: ignore[arg-type]
    if district is not None:
        stmt = stmt.where(Activity.district_code == district)  # type: ignore[arg-type]
    if after is not None:
        # Keyset on (due_on NULLS LAST, id).
        last_due, last_id = after
        if last_due is None:
            stmt = stmt.where(due.is_(None), ActivityAction.id > last_id)  # type: ignore[union-attr, arg-type]
        else:
            stmt = stmt.where(
                or_(
                    due > last_due,  # type: ignore[operator]
                    and_(due == last_due, ActivityAction.id > last_id),  # type: ignore[arg-type]
                    due.is_(None),  # type: ignore[union-attr]
                )
            )
    stmt = stmt.order_by(due.asc().nulls_last(), ActivityAction.id).limit(limit)  # type: ignore[union-attr, arg-type]
    return [(a, b) for a, b in (await session.execute(stmt)).all()]


async def action_counts(
    session: AsyncSession,
    *,
    today: date,
    area: str | None,
    district: str | None,
    from_: date | None,
    to: date | None,
    districts: frozenset[str] | None = None,
) -> tuple[int, int, int]:
    """(total, done, overdue) "you said, we did" actions, counted in one SQL pass; by the
    local date of the activity each was raised at, deleted activities' left out."""
    a, c = ACTION.c, ACTIVITY.c
    overdue = and_(a.done_on.is_(None), a.due_on < today)
    stmt = (
        select(
            func.count(),
            func.count(a.done_on),
            func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
        )
        .select_from(ACTION.join(ACTIVITY, ACTIVITY.c.id == a.activity_id))
        .where(c.deleted_at.is_(None), *in_districts(c.district_code, districts))
    )
    for column, value in ((c.area_code, area), (c.district_code, district)):
        if value is not None:
            stmt = stmt.where(column == value)
    if from_ is not None:
        stmt = stmt.where(c.local_date >= from_)
    if to is not None:
        stmt = stmt.where(c.local_date <= to)
    total, done, late = (await session.execute(stmt)).one()
    return int(total), int(done), int(late)


# --- monthly counts (PostgreSQL) -----------------------------------------------------------

# The counting columns (the key) and what is summed per key, as the table declares them.
MONTH_COUNT_KEYS = tuple(column.name for column in MONTH_COUNT.primary_key.columns)
MONTH_COUNT_MEASURES = tuple(c.name for c in MONTH_COUNT.columns if not c.primary_key)
# Folds of every process and replica take turns on this advisory lock (any fixed number).
_FOLD_LOCK = 7_406_001


def _fold_statement() -> Any:
    keys = ", ".join(MONTH_COUNT_KEYS)
    measures = ", ".join(MONTH_COUNT_MEASURES)
    sums = ", ".join(f"sum({m})" for m in MONTH_COUNT_MEASURES)
    added = ", ".join(
        f"{m} = activity_month_count.{m} + EXCLUDED.{m}" for m in MONTH_COUNT_MEASURES
    )
    # One statement, one snapshot: exactly the changes it deletes are the ones it adds.
    return text(
        f"WITH moved AS (DELETE FROM activity_month_count_change RETURNING {keys}, {measures}) "
        f"INSERT INTO activity_month_count ({keys}, {measures}) "
        f"SELECT {keys}, {sums} FROM moved GROUP BY {keys} "
        f"ON CONFLICT ({keys}) DO UPDATE SET {added}"
    )


_FOLD = _fold_statement()


async def fold_month_counts(session: AsyncSession) -> int:
    """Fold the appended changes into the monthly counts; how many count rows it touched.

    Counts read the sum over both tables, so a fold never changes an answer, only how many
    rows the next one reads. Nothing to do on SQLite (no triggers there) or while another
    fold holds the lock.
    """
    if dialect_of(session) != "postgresql":
        return 0
    locked = await session.execute(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _FOLD_LOCK}
    )
    if not locked.scalar_one():
        return 0
    touched = (await session.execute(_FOLD)).rowcount
    if touched:
        await session.execute(delete(MONTH_COUNT).where(MONTH_COUNT.c.activities == 0))
    return touched
