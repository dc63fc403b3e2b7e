"""Every table of the KPI service (all prefixed `kpi_`), for migrations and `hub`."""

from __future__ import annotations

from services.kpi.catalogue.models import KpiDefinition
from services.kpi.measurements.models import Measurement, SocialAccount
from services.kpi.snapshots.models import Snapshot
from services.kpi.tables import KpiTable
from services.kpi.targets.models import KpiTarget

__all__ = ["KpiDefinition", "KpiTable", "KpiTarget", "Measurement", "Snapshot", "SocialAccount"]
