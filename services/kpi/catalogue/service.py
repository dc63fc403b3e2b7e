"""Rules of the catalogue: reading, custom KPIs, amendments under If-Match."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi import errors
from services.kpi.catalogue import repository
from services.kpi.catalogue.models import KpiDefinition
from services.kpi.catalogue.schemas import REQUIRED_ON_PATCH, KpiCreate, KpiPatch, KpiRead
from shared.db import utcnow
from shared.pagination import CursorPage, decode_cursor, encode_cursor
from shared.problems import invalid

CUSTOM_POSITION = 1000


def to_read(row: KpiDefinition) -> KpiRead:
    return KpiRead.model_validate(
        {
            **{name: getattr(row, name) for name in KpiRead.model_fields if name != "spc_changes"},
            "spc_changes": changes_of(row),
        }
    )


def changes_of(row: KpiDefinition) -> list[date]:
    return sorted(date.fromisoformat(day) for day in row.spc_changes or [])


async def list_kpis(
    session: AsyncSession,
    *,
    pillar: str | None,
    source: str | None,
    cursor: str | None,
    limit: int,
) -> CursorPage[KpiRead]:
    after = str(decode_cursor(cursor, size=1)[0]) if cursor else None
    rows = await repository.list_definitions(
        session, pillar=pillar, source=source, after=after, limit=limit + 1
    )
    next_cursor = encode_cursor([rows[limit - 1].code]) if len(rows) > limit else None
    return CursorPage(
        items=[to_read(r) for r in rows[:limit]], limit=limit, next_cursor=next_cursor
    )


async def require(session: AsyncSession, code: str, *, for_update: bool = False) -> KpiDefinition:
    row = await repository.get_definition(session, code, for_update=for_update)
    if row is None:
        raise errors.kpi_not_found(code)
    return row


def _defined_by(payload: KpiCreate) -> dict[str, Any]:
    """The stored fields a custom KPI's definition sets."""
    return {
        "code": payload.code,
        "name": payload.name,
        "pillar": payload.pillar,
        "objective": payload.objective,
        "output": payload.output,
        "measure": payload.measure,
        "qualitative": payload.qualitative,
        "unit": payload.unit,
        "direction": payload.direction.value,
        "owner_role": payload.owner_role,
        "counting_rule": payload.counting_rule,
        "source": "measurement",
        "source_binding": {"measurement": payload.code, "aggregate": payload.aggregate.value},
        "custom": True,
        "spc_changes": [d.isoformat() for d in sorted(set(payload.spc_changes))],
        "spc_baseline": payload.spc_baseline,
    }


async def create_kpi(session: AsyncSession, payload: KpiCreate) -> tuple[KpiDefinition, bool]:
    """The new KPI and True; or, for a resend of the definition stored under its code, the
    stored KPI and False (a replay: nothing changes). Another definition of the code: 409."""
    fields = _defined_by(payload)
    stored = await repository.get_definition(session, payload.code)
    if stored is not None:
        if all(getattr(stored, name) == value for name, value in fields.items()):
            return stored, False
        raise errors.already_exists("KPI", payload.code)
    if payload.unit == "percent" and payload.aggregate.value == "sum":
        raise invalid("body.aggregate", "a percentage cannot be summed: use `ratio` or `mean`")
    now = utcnow()
    row = KpiDefinition(
        **fields, position=CUSTOM_POSITION, version=1, created_at=now, updated_at=now
    )
    await repository.add(session, row)
    return row, True


async def amend_kpi(
    session: AsyncSession, code: str, patch: KpiPatch, if_match: str | None
) -> KpiDefinition:
    row = await require(session, code, for_update=True)
    errors.check_if_match(if_match, row.version, "KPI")
    changes = patch.model_dump(exclude_unset=True)
    for name in REQUIRED_ON_PATCH:
        if name in changes and changes[name] is None:
            raise invalid(f"body.{name}", "may not be null", "null")
    for name, value in changes.items():
        if name == "spc_changes":
            value = [d.isoformat() for d in sorted(set(value or []))]
        elif name == "direction":
            value = value.value if value is not None else None
        setattr(row, name, value)
    if changes:
        row.version += 1
        row.updated_at = utcnow()
        await session.flush()
    return row
