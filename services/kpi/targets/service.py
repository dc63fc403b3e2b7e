"""Rules of dated targets: no two for the same KPI and area on the same day.

A new target starting after an open-ended one closes it the day before (a new year's target
never rewrites how an earlier period is judged); any other overlap is a conflict.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi import errors
from services.kpi.catalogue.models import KpiDefinition
from services.kpi.sources.areas import require_area
from services.kpi.sources.clients import SourceClients
from services.kpi.targets import repository
from services.kpi.targets.models import FORCE_WIDE, KpiTarget
from services.kpi.targets.schemas import TargetIn, TargetRead
from shared.contracts.kpi import TargetInForce
from shared.problems import PROBLEM_BASE, ProblemError, invalid


def to_read(row: KpiTarget) -> TargetRead:
    return TargetRead(
        id=row.id,
        kpi=row.kpi_code,
        area=row.area or None,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        value=row.value,
        tolerance=row.tolerance,
        note=row.note,
        created_at=row.created_at,
    )


def in_force(row: KpiTarget) -> TargetInForce:
    return TargetInForce(
        id=str(row.id),
        value=row.value,
        tolerance=row.tolerance,
        area=row.area or None,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )


def _covers(row: KpiTarget, day: date) -> bool:
    return row.valid_from <= day and (row.valid_to is None or day <= row.valid_to)


def target_on(targets: Iterable[KpiTarget], areas: Sequence[str], day: date) -> KpiTarget | None:
    """The target in force on `day`: the first of `areas` (most specific first) that has one."""
    candidates = [t for t in targets if _covers(t, day)]
    for area in areas:
        for target in candidates:
            if target.area == area:
                return target
    return None


def _overlaps(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return (b_to is None or a_from <= b_to) and (a_to is None or b_from <= a_to)


def _check_value(kpi: KpiDefinition, payload: TargetIn) -> None:
    if payload.valid_to is not None and payload.valid_to < payload.valid_from:
        raise invalid("body.valid_to", "must not be before valid_from")
    if kpi.unit == "percent" and not 0 <= payload.value <= 100:
        raise invalid("body.value", "a percentage target lies between 0 and 100")
    if kpi.unit != "percent" and payload.value < 0:
        raise invalid("body.value", "must not be negative")


def _same(row: KpiTarget, payload: TargetIn) -> bool:
    return (row.valid_from, row.valid_to, row.value, row.tolerance, row.note) == (
        payload.valid_from,
        payload.valid_to,
        payload.value,
        payload.tolerance,
        payload.note,
    )


async def create_target(
    session: AsyncSession, sources: SourceClients, kpi: KpiDefinition, payload: TargetIn
) -> tuple[KpiTarget, bool]:
    """The new target and True; or, for a resend of a target already set (same area, dates,
    value, tolerance and note), the stored one and False: a replay, nothing changes."""
    _check_value(kpi, payload)
    area = FORCE_WIDE
    if payload.area is not None:
        area = (await require_area(sources, payload.area, "body.area")).code
    existing = await repository.targets_of(session, [kpi.code], area)
    for other in existing:
        if _same(other, payload):
            return other, False
    for other in existing:
        if not _overlaps(payload.valid_from, payload.valid_to, other.valid_from, other.valid_to):
            continue
        if other.valid_to is None and other.valid_from < payload.valid_from:
            other.valid_to = payload.valid_from - timedelta(days=1)
            continue
        raise ProblemError(
            409,
            f"Target {other.id} already applies from {other.valid_from} to "
            f"{other.valid_to or 'open-ended'} for this area; end or delete it first.",
            type_=PROBLEM_BASE + "conflict",
        )
    row = KpiTarget(
        id=uuid.uuid4(),
        kpi_code=kpi.code,
        area=area,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        value=payload.value,
        tolerance=payload.tolerance,
        note=payload.note,
    )
    await repository.add(session, row)
    return row, True


async def list_targets(session: AsyncSession, kpi: KpiDefinition) -> list[TargetRead]:
    return [to_read(t) for t in await repository.targets_of(session, [kpi.code])]


async def delete_target(session: AsyncSession, kpi: KpiDefinition, target_id: uuid.UUID) -> None:
    row = await repository.get_target(session, target_id)
    if row is None or row.kpi_code != kpi.code:
        raise errors.not_found("target", target_id)
    await repository.delete(session, row)
