"""What a path accepts, read off the app's own routes and OpenAPI document, so the request
middleware can answer 405 (with a correct `Allow`) and 415 before a route runs.

Starlette alone answers a method the path lacks from the first route that matches the path
(`Allow` then names that route's methods only: TRACE on `/activities` said `Allow: POST`),
and the media type of a body read by hand (batch, merge patch) was never checked at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount, compile_path

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_ACCEPT_HEADERS = {"POST": "Accept-Post", "PATCH": "Accept-Patch"}


@dataclass(frozen=True)
class Refusal:
    status: int
    detail: str
    headers: dict[str, str]


@dataclass(frozen=True)
class _Path:
    pattern: re.Pattern[str]
    methods: frozenset[str]
    # Per method: the media types its body may have (from the document); absent: not declared.
    media_types: dict[str, tuple[str, ...]]
    # Per method: the query parameters that take one value (not an array).
    single_query: dict[str, frozenset[str]]
    # Path parameters (a catch-all counts many): of two paths that match, the one with fewer
    # is the resource meant.
    parameters: int
    catch_all: bool


class RouteTable:
    """Built from the app on first use (every route is included by then)."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app
        self._paths: list[_Path] | None = None

    def refusal(self, path: str, method: str, content_type: str) -> Refusal | None:
        """405 when no route of `path` takes `method`; 415 when its body's media type is not
        one the operation declares (an empty body without a type is left to the route)."""
        resource = self._resource(path)
        if resource is None:
            return None  # no such path: the app's 404
        # All of the resource's methods count, whichever route declares each, and those of a
        # catch-all route covering it (a prefix's CORS preflights).
        methods = resource.methods.union(
            *(p.methods for p in self._table() if p.catch_all and p.pattern.match(path))
        )
        if method not in methods:
            allow = ", ".join(sorted(methods))
            return Refusal(
                405, f"{method} is not allowed on {path}; allowed: {allow}.", {"Allow": allow}
            )
        if method not in _BODY_METHODS or not content_type:
            return None
        declared = resource.media_types.get(method)
        if not declared or content_type in declared:
            return None
        accepted = ", ".join(declared)
        header = _ACCEPT_HEADERS.get(method)
        return Refusal(
            415,
            f"Content-Type {content_type} is not accepted by {method} {path}; send {accepted}.",
            {header: accepted} if header else {},
        )

    def repeated_query(self, path: str, method: str, query: bytes) -> list[str]:
        """Query parameters of one value given more than once (`?area=a&area=b`): routing
        alone would take the last and ignore the rest, so the caller is told instead."""
        if b"&" not in query:
            return []
        resource = self._resource(path)
        single = resource.single_query.get(method) if resource is not None else None
        if not single:
            return []
        names = [name for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)]
        return sorted({n for n in names if n in single and names.count(n) > 1})

    def declares_body(self, path: str, method: str) -> bool:
        resource = self._resource(path)
        return resource is not None and method in resource.media_types

    def _resource(self, path: str) -> _Path | None:
        # The most literal path that matches (`/activities/batch`, not
        # `/activities/{activity_id}`; `/{force}/neighbourhoods`, not `/{force}/{id}`, whichever
        # router was included first).
        matching = [p for p in self._table() if p.pattern.match(path)]
        return min(matching, key=lambda p: p.parameters) if matching else None

    def _table(self) -> list[_Path]:
        if self._paths is None:
            self._paths = _build(self._app)
        return self._paths


def _build(app: FastAPI) -> list[_Path]:
    document: dict[str, Any] = app.openapi().get("paths", {})
    by_path: dict[str, tuple[set[str], dict[str, tuple[str, ...]], dict[str, frozenset[str]]]] = {}
    # Included routers stay routers in FastAPI's table; this walks the routes they hold.
    for route in iter_route_contexts(app.routes):
        path, methods = route.path, route.methods
        if path is None or not methods or isinstance(route.original_route, Mount):
            continue  # mounts (static assets) take what they take
        entry = by_path.setdefault(path, (set(), {}, {}))
        entry[0].update(methods)
        item = document.get(route.path_format or path, {})
        for method in methods:
            operation = item.get(method.lower(), {})
            content = operation.get("requestBody", {}).get("content")
            if content:
                entry[1][method] = tuple(content)
            entry[2][method] = frozenset(
                p["name"]
                for p in operation.get("parameters", [])
                if p.get("in") == "query" and not _takes_array(p.get("schema", {}))
            )
    return [
        _Path(
            compile_path(path)[0],
            frozenset(methods),
            media,
            single,
            _parameters(path),
            ":path}" in path,
        )
        for path, (methods, media, single) in by_path.items()
    ]


def _parameters(path: str) -> int:
    # A `{rest:path}` catch-all (e.g. CORS preflights of a whole prefix) is the least literal.
    return path.count("{") + 100 * path.count(":path}")


def _takes_array(schema: dict[str, Any]) -> bool:
    options = [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]
    return any(option.get("type") == "array" for option in options)
