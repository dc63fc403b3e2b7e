"""The base of every KPI-service table: its own MetaData (own migrations, prefix `kpi_`)."""

from __future__ import annotations

from sqlmodel import SQLModel

from shared.db import service_registry


class KpiTable(SQLModel, registry=service_registry()):
    """Base of every KPI-service table."""
