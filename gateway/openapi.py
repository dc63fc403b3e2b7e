"""One OpenAPI document for integrators, merged from the services' own documents."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from gateway.upstreams import Upstream
from shared.openapi import HEADERS, problem_response, problem_schemas

CACHE_SECONDS = 30.0


class OpenAPIMerger:
    def __init__(
        self,
        upstreams: dict[str, Upstream],
        own: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.upstreams = upstreams
        self.own = own  # the gateway's own routes (admin): documented with the services'
        self._cached: dict[str, Any] | None = None
        self._cached_at = 0.0
        self._lock = asyncio.Lock()

    async def document(self) -> dict[str, Any]:
        async with self._lock:
            if self._cached is None or time.monotonic() - self._cached_at > CACHE_SECONDS:
                docs = await asyncio.gather(
                    *(self._fetch(u) for u in self.upstreams.values()), return_exceptions=True
                )
                merged = merge(
                    {
                        **({"gateway": self.own()} if self.own is not None else {}),
                        **{
                            name: doc
                            for name, doc in zip(self.upstreams, docs, strict=True)
                            if isinstance(doc, dict)
                        },
                    }
                )
                missing = [
                    n for n, d in zip(self.upstreams, docs, strict=True) if not isinstance(d, dict)
                ]
                if missing:
                    # Serve what we have, but do not cache a partial document.
                    merged["info"]["x-unavailable-services"] = missing
                    return merged
                self._cached, self._cached_at = merged, time.monotonic()
            return self._cached

    async def _fetch(self, upstream: Upstream) -> dict[str, Any]:
        response = await upstream.client.get("/openapi.json", timeout=5.0)
        response.raise_for_status()
        doc: dict[str, Any] = response.json()
        return doc


# What the gateway itself can answer on every proxied operation, beside the service's own.
GATEWAY_STATUSES = (401, 429, 502, 504)
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def merge(docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    operation_ids: dict[str, str] = {}
    schemas: dict[str, Any] = {}
    security_schemes: dict[str, Any] = {}
    tags: list[dict[str, Any]] = []
    for service, doc in docs.items():
        doc_schemas = doc.get("components", {}).get("schemas", {})
        renames = {
            name: f"{service.capitalize()}{name}"
            for name, schema in doc_schemas.items()
            if name in schemas and schemas[name] != schema
        }
        if renames:
            text = json.dumps(doc)
            for old, new in renames.items():
                text = text.replace(
                    f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"'
                )
            doc = json.loads(text)
            # The schemas as rewritten (their own references renamed too), and the title:
            # client generators name their models after it.
            doc_schemas = {
                renames.get(k, k): {**v, "title": renames[k]} if k in renames else v
                for k, v in doc.get("components", {}).get("schemas", {}).items()
            }
        schemas.update(doc_schemas)
        security_schemes.update(doc.get("components", {}).get("securitySchemes", {}))
        for path, item in doc.get("paths", {}).items():
            if path.startswith("/api/"):
                paths[path] = item
                for method, operation in item.items():
                    if method in _METHODS:
                        _take_operation_id(operation, service, operation_ids)
                        _add_gateway_problems(operation)
        tags += [t for t in doc.get("tags", []) if t not in tags]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Engagement Hub API",
            "version": "1.0.0",
            "description": (
                "One place to log community engagement, compute engagement KPIs with published "
                "counting rules, and analyse the public-confidence survey. Authenticate with "
                "`X-API-Key: <key>` or `Authorization: Bearer <token>`. Errors are RFC 9457 "
                "`application/problem+json` documents."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": tags,
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {**schemas, **problem_schemas()},
            "securitySchemes": security_schemes,
        },
    }


def _take_operation_id(operation: dict[str, Any], service: str, taken: dict[str, str]) -> None:
    """Operation ids stay as each service wrote them unless two services share one: then the
    later one is prefixed with its service's name (`kpi_list_imports`)."""
    op_id = operation.get("operationId")
    if not op_id:
        return
    if op_id in taken and taken[op_id] != service:
        op_id = f"{service}_{op_id}"
        operation["operationId"] = op_id
    taken[op_id] = service


def _add_gateway_problems(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status in GATEWAY_STATUSES:
        responses.setdefault(str(status), problem_response(status))
    responses["429"].setdefault("headers", {"Retry-After": HEADERS["Retry-After"]})
    operation["responses"] = dict(sorted(responses.items()))
