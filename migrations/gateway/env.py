from gateway.keys.models import GatewayTable
from shared.migrations import run_env

run_env(GatewayTable.metadata, "gateway")
