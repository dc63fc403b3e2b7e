"""The flow every versioned record of the service shares, written once: a record's ETag is its
version; `If-Match` is checked against it; an amendment is a JSON merge patch (RFC 7396) over
the record's editable fields, validated as a whole, then the version goes up. Registries
(areas, community groups, plans, volunteer hours) and activities alike use it; `Registry`
runs the whole create / get / list / amend flow for the registries keyed by a UUID.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, Protocol, TypeVar

from fastapi import Header, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.activity import errors
from services.activity.bodies import merge_patch
from services.activity.districts import get_registry_record, registry_in_districts
from shared.db import utcnow
from shared.pagination import CursorPage, decode_cursor, encode_cursor
from shared.problems import invalid

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=BaseModel)
R = TypeVar("R", bound="VersionedRecord")
T = TypeVar("T")

# Optional on registries (their clients are few and set up by hand), required on activities.
OptionalIfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        min_length=1,
        max_length=200,
        description="Optional: the ETag last read. If the record changed since, 412 and nothing "
        "changes. Without it the change applies to whatever is current.",
    ),
]


RequiredIfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        min_length=1,
        max_length=200,
        description="The ETag last read. Required: without it 428, when stale 412.",
    ),
]


class Versioned(Protocol):
    """A record whose version is its ETag."""

    version: int
    updated_at: datetime


class VersionedRecord(Versioned, Protocol):
    """A registry table's model keyed by a UUID `id`, built from its columns."""

    id: uuid.UUID

    def __init__(self, **columns: Any) -> None: ...


def version_etag(version: int) -> str:
    """The ETag of a record at `version` (activities and registry records alike)."""
    return f'"{version}"'


def etag_offered(if_match: str, current: str) -> bool:
    """Whether an `If-Match` header names the current ETag (or `*`); weak tags compare too."""
    offered = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    return "*" in offered or current in offered


def check_unchanged(if_match: str | None, version: int, what: str) -> None:
    """An optional `If-Match`: when sent (and not blank), it must name the current version."""
    current = version_etag(version)
    if if_match is not None and if_match.strip() and not etag_offered(if_match, current):
        raise errors.stale_etag(current, what)


def check_if_match(if_match: str | None, version: int) -> None:
    """A required `If-Match` (activities): 428 without it, 412 when stale."""
    current = version_etag(version)
    if if_match is None or not if_match.strip():
        raise errors.if_match_required()
    if not etag_offered(if_match, current):
        raise errors.stale_etag(current)


def parse(model: type[M], data: dict[str, Any]) -> M:
    """`data` validated as `model`; a failure is a 422 problem naming each field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise errors.validation_problem(exc) from exc


def patched(model: type[M], current: dict[str, Any], patch: dict[str, Any]) -> M:
    """The merge patch applied to the current fields, the result validated as a whole."""
    return parse(model, merge_patch(current, patch))


def new_version_stamp() -> dict[str, Any]:
    """The columns of a record's first version."""
    now = utcnow()
    return {"version": 1, "created_at": now, "updated_at": now}


def bump(record: Versioned) -> None:
    """A change makes a new version (and so a new ETag)."""
    record.version += 1
    record.updated_at = utcnow()


def answer_created(response: Response, location: str, version: int) -> None:
    response.headers["Location"] = location
    response.headers["ETag"] = version_etag(version)


def answer_current(response: Response, version: int) -> None:
    response.headers["ETag"] = version_etag(version)


_UUID = re.compile(r"^[0-9a-f\-]{32,36}$")


async def id_page(
    session: AsyncSession,
    stmt: Select[Any],
    model: Any,
    cursor: str | None,
    limit: int,
    read: Callable[[Any], T],
) -> CursorPage[T]:
    """Keyset page ordered by id (stable under inserts)."""
    if cursor is not None:
        (after,) = decode_cursor(cursor, size=1)
        if not isinstance(after, str) or not _UUID.match(after):
            raise invalid("query.cursor", "not a cursor this service issued")
        stmt = stmt.where(model.id > uuid.UUID(after))
    rows = list((await session.execute(stmt.order_by(model.id).limit(limit + 1))).scalars())
    next_cursor = encode_cursor([str(rows[limit - 1].id)]) if len(rows) > limit else None
    return CursorPage(items=[read(r) for r in rows[:limit]], limit=limit, next_cursor=next_cursor)


Apply = Callable[[AsyncSession, R, F], Awaitable[None]]


@dataclass(frozen=True)
class Registry(Generic[R, F]):
    """A registry keyed by a UUID: its table, its editable fields and the rule that applies
    them to a record (`apply` refuses what is invalid, naming the field)."""

    model: type[R]
    fields: type[F]
    what: str
    apply: Apply[R, F]
    # Columns a new record needs before `apply` fills them (the table's NOT NULLs).
    blank: Callable[[], dict[str, Any]]
    # The record's editable fields as JSON: what a merge patch applies to.
    fields_of: Callable[[R], dict[str, Any]]

    def listed(self, districts: frozenset[str] | None) -> Select[Any]:
        """The records the caller's districts reach (filters and paging are added to it)."""
        return select(self.model).where(*registry_in_districts(self.model, districts))

    async def create(self, session: AsyncSession, payload: F) -> R:
        record = self.model(id=uuid.uuid4(), **new_version_stamp(), **self.blank())
        await self.apply(session, record, payload)
        session.add(record)
        await session.flush()
        return record

    async def get(
        self,
        session: AsyncSession,
        key: uuid.UUID,
        districts: frozenset[str] | None,
        *,
        for_update: bool = False,
    ) -> R:
        record: R | None = await get_registry_record(
            session, self.model, key, districts, for_update=for_update
        )
        if record is None:
            raise errors.not_found(self.what, key)
        return record

    async def amend(
        self,
        session: AsyncSession,
        key: uuid.UUID,
        patch: dict[str, Any],
        *,
        if_match: str | None,
        districts: frozenset[str] | None,
    ) -> R:
        record = await self.get(session, key, districts, for_update=True)
        # A patch refused anyway is a 422 whatever its If-Match (RFC 9110, 13.2.1).
        fields = patched(self.fields, self.fields_of(record), patch)
        check_unchanged(if_match, record.version, self.what)
        await self.apply(session, record, fields)
        bump(record)
        await session.flush()
        return record
