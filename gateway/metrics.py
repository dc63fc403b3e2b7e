"""The gateway's own Prometheus metrics (requests and latency come from `shared.metrics`)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge
from starlette.types import Scope

from gateway.breaker import CircuitState
from gateway.upstreams import ROUTES
from shared.metrics import UNMATCHED_ROUTE, route_template

API_PREFIX = "/api/v1/"

UPSTREAM_FAILURES = Counter(
    "hub_gateway_upstream_failures",
    "Proxied calls that got no answer from the upstream, by upstream and kind "
    "(connect, timeout, disconnected).",
    ("upstream", "kind"),
)
UPSTREAM_RETRIES = Counter(
    "hub_gateway_upstream_retries", "Calls sent again after a connect error.", ("upstream",)
)
CIRCUIT_STATE = Gauge(
    "hub_gateway_circuit_state",
    "Circuit breaker per upstream: 0 closed, 1 open, 2 half-open (probing).",
    ("upstream",),
)
CIRCUIT_REJECTIONS = Counter(
    "hub_gateway_circuit_rejections", "Calls answered 503 by an open circuit.", ("upstream",)
)
RATE_LIMITED = Counter(
    "hub_gateway_rate_limited",
    "Requests refused with 429, by limit (credential, auth_failure).",
    ("limit",),
)
BODY_TIMEOUTS = Counter(
    "hub_gateway_body_timeouts", "Request bodies cut off with 408 (too slow or stalled)."
)


def record_circuit(upstream: str, state: CircuitState) -> None:
    CIRCUIT_STATE.labels(upstream).set(state.value)


def gateway_route(scope: Scope) -> str:
    """Proxied calls by their upstream family (`/api/v1/activities`); the gateway does not
    know the services' route templates, and raw paths would make a series per id."""
    path: str = scope["path"]
    if path.startswith(API_PREFIX):
        segment = path[len(API_PREFIX) :].split("/", 1)[0]
        return API_PREFIX + segment if segment in ROUTES else UNMATCHED_ROUTE
    return route_template(scope)
