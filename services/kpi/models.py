"""Every table of the KPI service (all prefixed `kpi_`), for migrations and `hub`."""

from __future__ import annotations

from services.kpi.catalogue.models import KpiDefinition
from services.kpi.measurements.models import Measurement, MeasurementTotal, SocialAccount
from services.kpi.snapshots.models import Snapshot
from services.kpi.tables import KpiTable
from services.kpi.targets.models import KpiTarget
from shared.audit import audit_table

__all__ = [
    "KPI_AUDIT",
    "KpiDefinition",
    "KpiTable",
    "KpiTarget",
    "Measurement",
    "MeasurementTotal",
    "Snapshot",
    "SocialAccount",
]

# Append-only audit records of this service's writes (`shared.audit`).
KPI_AUDIT = audit_table(KpiTable.metadata, "kpi")
