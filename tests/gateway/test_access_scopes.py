"""Every route and method of every service (and of the gateway itself) maps to exactly one
scope in the gateway's table, and it is the scope the route itself requires."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from gateway.public import is_public_request
from gateway.scopes import FAMILIES, scope_for
from shared.auth import SCOPES

API = "/api/v1"


def _routes(app: FastAPI) -> Iterator[tuple[str, str, Any]]:
    """(method, path, dependant) of every API route, whichever way FastAPI keeps them."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            for context in contexts() if callable(contexts) else contexts:
                for method in context.methods:
                    yield method, context.path_format, context.dependant
        elif isinstance(route, APIRoute):
            for method in route.methods:
                yield method, route.path_format, route.dependant


def _declared(dependant: Any) -> set[str]:
    found: set[str] = set()
    for sub in dependant.dependencies:
        scope = getattr(sub.call, "hub_scope", None)
        if scope is not None:
            found.add(scope)
        found |= _declared(sub)
    return found


def _apps() -> dict[str, FastAPI]:
    from gateway.app import create_app as gateway
    from services.activity.app import create_app as activity
    from services.kpi.app import create_app as kpi
    from services.survey.app import create_app as survey

    return {"activity": activity(), "survey": survey(), "kpi": kpi(), "gateway": gateway()}


@pytest.mark.parametrize("name", ["activity", "survey", "kpi", "gateway"])
def test_every_route_maps_to_the_scope_it_requires(name: str) -> None:
    app = _apps()[name]
    checked = 0
    for method, path, dependant in _routes(app):
        if not path.startswith(API + "/"):
            assert not _declared(dependant), f"{method} {path} needs a scope outside {API}"
            continue
        declared = _declared(dependant)
        if method == "OPTIONS":
            # CORS preflights: a browser never sends credentials on them.
            assert not declared, f"{method} {path} is a preflight and needs no scope"
            continue
        if is_public_request({"path": path, "method": method}, police_uk_public=True):
            # Published police.uk reads: public by default; when they are not, the service asks
            # for the scope the table gives (its own setting, not a route dependency).
            assert scope_for(method, path[len(API) :]) == "activity:read", path
            continue
        assert len(declared) == 1, f"{method} {path} requires {declared or 'no scope'}"
        mapped = scope_for(method, path[len(API) :])
        assert mapped is not None, f"{method} {path} has no entry in gateway/scopes.py"
        assert mapped == declared.pop(), f"{method} {path}: table says {mapped}"
        checked += 1
    assert checked > 0


def test_the_table_names_only_known_scopes() -> None:
    assert {s for pair in FAMILIES.values() for s in pair} <= set(SCOPES)
    assert scope_for("GET", "/activities/1") == "activity:read"
    assert scope_for("POST", "/activities/1/review") == "activity:review"
    assert scope_for("PATCH", "/activities/1") == "activity:write"
    assert scope_for("GET", "/no-such-family") is None
