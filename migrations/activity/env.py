from services.activity.models import ActivityTable
from shared.migrations import run_env

run_env(ActivityTable.metadata, "activity")
