"""Rules of measurements: all-or-nothing validation, idempotent storage, the station profile.

A measurement's identity is (KPI, period, area, source reference). Sending it again with the
same figures changes nothing; with different figures it is a correction (stored in place,
version + 1). Any bad item refuses the whole request, naming each failing field.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi import errors
from services.kpi.calculation.periods import Period, parse_period, period_arg
from services.kpi.catalogue import repository as catalogue
from services.kpi.catalogue.models import KpiDefinition
from services.kpi.measurements import repository
from services.kpi.measurements.models import FORCE_WIDE, Measurement
from services.kpi.measurements.schemas import (
    MeasurementIn,
    MeasurementRead,
    MeasurementResult,
    MeasurementsRecorded,
    Outcome,
)
from services.kpi.sources.clients import SourceClients, SourceUnavailable
from shared.contracts.kpi import HourShare, StationProfile
from shared.contracts.registers import AreaRef
from shared.db import utcnow
from shared.problems import FieldError, ProblemError, field_error, validation_problem_body

PERCENT_MAX = 100.0


@dataclass(frozen=True)
class Checked:
    """A valid measurement, ready to store."""

    kpi: str
    period: Period
    area: str
    district: str | None
    source_ref: str
    hour: int | None
    value: float
    numerator: float | None
    denominator: float | None

    @property
    def key(self) -> repository.Key:
        return (self.kpi, self.period.text, self.area, self.source_ref)

    def figures(self) -> tuple[float, float | None, float | None, int | None]:
        return (self.value, self.numerator, self.denominator, self.hour)


def district_of(area: AreaRef) -> str | None:
    if area.kind == "neighbourhood":
        return area.district
    if area.kind == "district":
        return area.code
    return None


def check_item(
    item: MeasurementIn,
    where: str,
    kpis: Mapping[str, KpiDefinition],
    areas: Mapping[str, AreaRef],
) -> tuple[Checked | None, list[FieldError]]:
    """One item against the catalogue and the areas; `where` prefixes field names."""
    problems: list[FieldError] = []

    def bad(name: str, message: str, type_: str = "value_error") -> None:
        problems.append(field_error(f"{where}.{name}", message, type_))

    kpi = kpis.get(item.kpi)
    if kpi is None:
        bad("kpi", f"unknown KPI {item.kpi!r}", "unknown_kpi")
    elif kpi.source != "measurement":
        bad("kpi", f"{item.kpi!r} is computed from the {kpi.source} service, not recorded")
    try:
        period = parse_period(item.period)
    except ValueError as exc:
        bad("period", str(exc), "period")
        period = None
    area = None
    if item.area is not None:
        area = areas.get(item.area)
        if area is None:
            bad("area", f"unknown area {item.area!r}", "unknown_area")
    for name in ("value", "numerator", "denominator"):
        figure = getattr(item, name)
        if figure is not None and figure < 0:
            bad(name, "must not be negative", "negative")
    if kpi is None or kpi.source != "measurement":
        return None, problems
    if item.unit is not None and item.unit != kpi.unit:
        bad("unit", f"{kpi.code!r} is measured in {kpi.unit}, not {item.unit}", "unit")
    aggregate = kpi.source_binding.get("aggregate", "sum")
    value = item.value
    if item.numerator is not None or item.denominator is not None or aggregate == "ratio":
        if item.numerator is None or item.denominator is None:
            missing = "numerator" if item.numerator is None else "denominator"
            bad(missing, f"{kpi.code!r} is a ratio: send numerator and denominator", "missing")
        elif item.denominator == 0:
            bad("denominator", "must be greater than zero")
        elif kpi.unit == "percent" and item.numerator > item.denominator:
            bad("numerator", "a percentage's numerator cannot exceed its denominator")
        elif value is None:
            ratio = item.numerator / item.denominator
            value = ratio * 100 if kpi.unit == "percent" else ratio
    if value is None and not problems:
        bad("value", "send a value (or numerator and denominator)", "missing")
    if value is not None and kpi.unit == "percent" and value > PERCENT_MAX:
        bad("value", "a percentage cannot exceed 100")
    if problems or period is None or value is None:
        return None, problems
    return (
        Checked(
            kpi=kpi.code,
            period=period,
            area=area.code if area else FORCE_WIDE,
            district=district_of(area) if area else None,
            source_ref=item.source_ref,
            hour=item.hour,
            value=value,
            numerator=item.numerator,
            denominator=item.denominator,
        ),
        [],
    )


async def areas_for(sources: SourceClients, codes: set[str]) -> Mapping[str, AreaRef]:
    """The area directory, when any item names an area (a 503 when it cannot be read)."""
    if not codes:
        return {}
    try:
        return await sources.activity.areas()
    except SourceUnavailable as exc:
        raise errors.source_unavailable(f"cannot check areas: {exc.reason}") from exc


def refuse(problems: Sequence[FieldError]) -> ProblemError:
    body = validation_problem_body(problems)
    return ProblemError(
        422, body["detail"], title=body["title"], type_=body["type"], errors=problems[:500]
    )


async def check_all(
    session: AsyncSession,
    sources: SourceClients,
    items: Sequence[MeasurementIn],
    where_of: Callable[[int], str],
) -> list[Checked]:
    kpis = {k.code: k for k in await catalogue.list_definitions(session)}
    areas = await areas_for(sources, {i.area for i in items if i.area is not None})
    checked: list[Checked] = []
    problems: list[FieldError] = []
    seen: dict[repository.Key, tuple[int, Checked]] = {}
    for index, item in enumerate(items):
        where = where_of(index)
        one, found = check_item(item, where, kpis, areas)
        problems += found
        if one is None:
            continue
        twin = seen.get(one.key)
        if twin is not None:
            if twin[1].figures() != one.figures():
                problems.append(
                    field_error(
                        f"{where}.source_ref",
                        f"same KPI, period, area and source_ref as {where_of(twin[0])} with "
                        "other figures",
                        "duplicate",
                    )
                )
            continue
        seen[one.key] = (index, one)
        checked.append(one)
    if problems:
        raise refuse(problems)
    return checked


def _row(item: Checked, now: object) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "kpi_code": item.kpi,
        "period": item.period.text,
        "first_month": item.period.first_month,
        "last_month": item.period.last_month,
        "area": item.area,
        "district": item.district,
        "source_ref": item.source_ref,
        "hour": item.hour,
        "value": item.value,
        "numerator": item.numerator,
        "denominator": item.denominator,
        "version": 1,
        "recorded_at": now,
        "updated_at": now,
    }


def _same(row: Measurement, item: Checked) -> bool:
    return (row.value, row.numerator, row.denominator, row.hour) == item.figures()


async def store(session: AsyncSession, items: Sequence[Checked]) -> MeasurementsRecorded:
    """Create, correct or leave each measurement; exactly one row per identity."""
    keys = [i.key for i in items]
    stored = await repository.existing(session, keys)
    now = utcnow()
    fresh = {i.key: _row(i, now) for i in items if i.key not in stored}
    await repository.insert_new(session, list(fresh.values()))
    after = await repository.existing(session, keys)
    results: list[MeasurementResult] = []
    counts = dict.fromkeys(Outcome, 0)
    written: set[repository.Group] = set()
    for item in items:
        row = after[item.key]
        if item.key in fresh and row.id == fresh[item.key]["id"]:
            outcome = Outcome.created
        elif _same(row, item):
            outcome = Outcome.unchanged
        else:
            outcome = Outcome.updated
            row.value, row.numerator, row.denominator, row.hour = item.figures()
            row.district = item.district
            row.version += 1
            row.updated_at = now
        if outcome is not Outcome.unchanged:
            written.add(item.key[:3])
        counts[outcome] += 1
        results.append(
            MeasurementResult(
                id=row.id,
                kpi=item.kpi,
                period=item.period.text,
                area=item.area or None,
                source_ref=item.source_ref,
                outcome=outcome,
            )
        )
    await session.flush()
    await repository.refresh_totals(session, written)
    return MeasurementsRecorded(
        created=counts[Outcome.created],
        updated=counts[Outcome.updated],
        unchanged=counts[Outcome.unchanged],
        items=results,
    )


async def record(
    session: AsyncSession,
    sources: SourceClients,
    items: Sequence[MeasurementIn],
    where_of: Callable[[int], str],
) -> MeasurementsRecorded:
    """Check every item, then store them all, or refuse them all (a 422 naming each field)."""
    return await store(session, await check_all(session, sources, items, where_of))


def to_read(row: Measurement) -> MeasurementRead:
    return MeasurementRead(
        id=row.id,
        kpi=row.kpi_code,
        period=row.period,
        area=row.area or None,
        district=row.district,
        source_ref=row.source_ref,
        hour=row.hour,
        value=row.value,
        numerator=row.numerator,
        denominator=row.denominator,
        version=row.version,
        recorded_at=row.recorded_at,
        updated_at=row.updated_at,
    )


async def station_profile(
    session: AsyncSession, code: str, *, period: str, area: str | None = None
) -> StationProfile:
    """% time out of station by hour of day, and officers in station, for a period."""
    kpi = await catalogue.get_definition(session, code)
    if kpi is None:
        raise errors.kpi_not_found(code)
    span = period_arg(period, "query.period")
    hours, days = await repository.by_hour(session, code, span.first_month, span.last_month, area)
    found = {h.hour: h for h in hours}
    shares: list[HourShare] = []
    for hour in range(24):
        h = found.get(hour)
        if h is None or h.days == 0:
            shares.append(HourShare(hour=hour, officers_in=0, officers_out=0, out_share=None))
            continue
        shares.append(
            HourShare(
                hour=hour,
                officers_in=round((h.total_sum - h.out_sum) / h.days, 3),
                officers_out=round(h.out_sum / h.days, 3),
                out_share=round(100 * h.out_sum / h.total_sum, 3) if h.total_sum else None,
            )
        )
    total = sum(h.total_sum for h in hours)
    return StationProfile(
        code=code,
        period=span.text,
        area=area,
        days=days,
        hours=shares,
        out_share=round(100 * sum(h.out_sum for h in hours) / total, 3) if total else None,
    )
