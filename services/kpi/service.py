"""Domain rules of the KPI service."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi import errors, repository
from services.kpi.schemas import KpiRead


async def list_kpis(session: AsyncSession, pillar: str | None) -> list[KpiRead]:
    rows = await repository.list_definitions(session, pillar)
    return [KpiRead.model_validate(r, from_attributes=True) for r in rows]


async def get_kpi(session: AsyncSession, code: str) -> KpiRead:
    row = await repository.get_definition(session, code)
    if row is None:
        raise errors.kpi_not_found(code)
    return KpiRead.model_validate(row, from_attributes=True)
