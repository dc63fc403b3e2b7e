from services.kpi.models import KpiTable
from shared.migrations import run_env

run_env(KpiTable.metadata, "kpi")
