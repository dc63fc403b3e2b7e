"""Which scope each route and method needs: the one table.

A route's family is its first path segment under `/api/v1`; reads (GET, HEAD) need the
family's read scope, every other method its write scope; the few routes that need something
else are listed first. `tests/gateway/test_access_scopes.py` checks every route of every
service against this table and against the scope the route itself requires, so a new route
without a mapping fails a test.
"""

from __future__ import annotations

import re

READ_METHODS = frozenset({"GET", "HEAD"})

FAMILIES: dict[str, tuple[str, str]] = {
    "activities": ("activity:read", "activity:write"),
    "taxonomy": ("activity:read", "activity:write"),
    "areas": ("activity:read", "activity:write"),
    "community-groups": ("activity:read", "activity:write"),
    "plans": ("activity:read", "activity:write"),
    "volunteer-hours": ("activity:read", "activity:write"),
    "actions": ("activity:read", "activity:write"),
    "police-uk": ("activity:read", "activity:write"),
    "surveys": ("survey:read", "survey:write"),
    "kpis": ("kpi:read", "kpi:write"),
    "reports": ("kpi:read", "kpi:write"),
    "admin": ("admin", "admin"),
    "audit": ("admin", "admin"),  # each service's own records, read by the gateway
}

EXCEPTIONS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("POST", re.compile(r"/activities/[^/]+/review"), "activity:review"),
)


def scope_for(method: str, path: str) -> str | None:
    """The scope `method` on `path` (under `/api/v1`, e.g. `/activities/1`) needs; None for a
    path of no family (which nothing answers: a 404)."""
    for exception_method, pattern, scope in EXCEPTIONS:
        if method == exception_method and pattern.fullmatch(path):
            return scope
    family = FAMILIES.get(path.lstrip("/").split("/", 1)[0])
    if family is None:
        return None
    return family[0] if method in READ_METHODS else family[1]
