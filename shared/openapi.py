"""The OpenAPI document tells what the Hub does: one rewrite, applied to every service's document.

FastAPI documents its own 422 (`HTTPValidationError`, `application/json`) and nothing of what
the Hub's middleware and handlers answer. `contract_document` rewrites a generated document
once, centrally, so every route (including routes added later) gets the truth for free:
- every problem is `application/problem+json` with the one shared `Problem` schema;
- each operation lists the problem statuses it can answer: 401/403 (credentials and scopes),
  422 (validation; NUL text in the query or path is refused on every operation), 503 (the
  embedded database busy), 404 where the path names a resource, 400/413/415 where there is a
  body;
- the headers sent or needed: `Location` on 201/202, `ETag` where the resource is versioned
  (it has an `If-Match` operation), `Retry-After` on 409 (in flight), 429 and 503,
  `Idempotent-Replayed` beside `Idempotency-Key`, and `If-Match` required where 428 is answered;
- a JSON merge-patch body is one shared `MergePatch` schema (not a model per media type).
Operation ids are the endpoint functions' names (`operation_id`).
"""

from __future__ import annotations

import copy
import re
from http import HTTPStatus
from typing import Any

from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter

from shared.problems import PROBLEM_MEDIA_TYPE, FieldError, Problem

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
MERGE_PATCH_MEDIA_TYPES = ("application/merge-patch+json", "application/json")
_BODY_METHODS = ("post", "put", "patch")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")

# What each problem status means wherever it is answered (route-specific wording wins).
PROBLEM_DESCRIPTIONS: dict[int, str] = {
    400: "The body could not be read (not UTF-8, or a multipart body that does not parse).",
    401: "Missing or wrong credentials (`X-API-Key: <key>` or `Authorization: Bearer <token>`).",
    403: "The credentials lack the scope for this operation.",
    404: "No such resource (or it belongs to a district the credentials do not cover).",
    409: "Conflict with the stored state.",
    410: "The resource was deleted.",
    412: "`If-Match` is stale: the resource changed since it was read (the current `ETag` is "
    "sent); nothing changed.",
    413: "The request body is larger than this operation accepts.",
    415: "The body's media type is not one this operation accepts (see `Accept-Post` / "
    "`Accept-Patch`).",
    422: "The request failed validation; `errors` names each field and why.",
    428: "`If-Match` is required: send the ETag last read.",
    429: "Too many requests for these credentials; retry after `Retry-After` seconds.",
    502: "An upstream service is unreachable or broke off its answer.",
    503: "Temporarily unavailable (the database is busy with another writer); nothing was "
    "stored. Retry after `Retry-After` seconds.",
    504: "An upstream service did not answer in time.",
}

HEADERS: dict[str, dict[str, Any]] = {
    "Location": {"description": "Where the resource is.", "schema": {"type": "string"}},
    "ETag": {
        "description": "The version of the resource; send it back as `If-Match` to change it.",
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier identical request.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Allow": {"description": "The methods the path accepts.", "schema": {"type": "string"}},
}


def operation_id(route: APIRoute) -> str:
    """The endpoint function's name (`create_activity`, `list_activities`), as a person writes
    it; unique within a service (FastAPI warns on a duplicate), made unique across services by
    the gateway when it merges the documents."""
    return route.name


def problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or PROBLEM_DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
        "content": {PROBLEM_MEDIA_TYPE: {"schema": dict(PROBLEM_REF)}},
    }


def contract_document(document: dict[str, Any]) -> dict[str, Any]:
    """A service's generated document rewritten to say what the service answers."""
    doc = copy.deepcopy(document)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    schemas.update(problem_schemas())
    paths: dict[str, Any] = doc.get("paths", {})
    versioned = {path for path, item in paths.items() if _has_if_match(item)}
    for path, item in paths.items():
        for method, operation in _operations(item):
            _rewrite_operation(path, method, operation, versioned, schemas)
    return doc


def problem_schemas() -> dict[str, Any]:
    """`Problem` and `FieldError`, refs pointing into the document's components."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    defs.setdefault("FieldError", FieldError.model_json_schema())
    return {"Problem": schema, **defs}


def _operations(item: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(m, op) for m, op in item.items() if m in _METHODS and isinstance(op, dict)]


def _has_if_match(item: dict[str, Any]) -> bool:
    return any(
        p.get("in") == "header" and p.get("name", "").lower() == "if-match"
        for _, op in _operations(item)
        for p in op.get("parameters", [])
    )


def _rewrite_operation(
    path: str,
    method: str,
    operation: dict[str, Any],
    versioned: set[str],
    schemas: dict[str, Any],
) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    # Every documented problem: the shared schema, in its own media type.
    for code, response in list(responses.items()):
        if code.isdigit() and int(code) >= 400:
            description = response.get("description")
            if code == "422" or description in (None, HTTPStatus(int(code)).phrase):
                description = None
            responses[code] = problem_response(int(code), description)
    statuses = _statuses(path, method, operation)
    for status in statuses:
        responses.setdefault(str(status), problem_response(status))
    operation["responses"] = dict(sorted(responses.items()))
    _document_headers(path, method, operation, versioned)
    _require_if_match(operation)
    _share_merge_patch(operation, schemas)


def _statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    if not path.startswith("/api/"):
        return []  # health: unauthenticated, no input
    statuses = [401, 403, 422, 503]
    if "{" in path:
        statuses.append(404)
    body = operation.get("requestBody")
    if method in _BODY_METHODS and body:
        statuses += [400, 413, 415]
    return statuses


def _document_headers(
    path: str, method: str, operation: dict[str, Any], versioned: set[str]
) -> None:
    params = {p.get("name", "").lower() for p in operation.get("parameters", [])}
    # A collection whose items are versioned: what it creates carries its ETag.
    creates_versioned = method == "post" and any(
        re.fullmatch(re.escape(path) + r"/\{[^}/]+\}", other) for other in versioned
    )
    for code, response in operation["responses"].items():
        headers: dict[str, Any] = response.setdefault("headers", {})
        if code in ("201", "202"):
            headers.setdefault("Location", HEADERS["Location"])
        if code.startswith("2") and code != "204":
            own = path in versioned and method in ("get", "patch", "put", "post")
            if own or (creates_versioned and code == "201"):
                headers.setdefault("ETag", HEADERS["ETag"])
            if "idempotency-key" in params:
                headers.setdefault("Idempotent-Replayed", HEADERS["Idempotent-Replayed"])
        if code in ("429", "503") or (code == "409" and "idempotency-key" in params):
            headers.setdefault("Retry-After", HEADERS["Retry-After"])
        if code == "412":
            headers.setdefault("ETag", HEADERS["ETag"])
        if not headers:
            del response["headers"]


def _require_if_match(operation: dict[str, Any]) -> None:
    if "428" not in operation["responses"]:
        return
    for param in operation.get("parameters", []):
        if param.get("in") == "header" and param.get("name", "").lower() == "if-match":
            param["required"] = True
            schema = param.get("schema", {})
            # `str | None` in the signature only so the route can answer 428 itself.
            for option in schema.pop("anyOf", []):
                if option.get("type") != "null":
                    schema.update(option)
            schema.setdefault("minLength", 1)


def _share_merge_patch(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    content = operation.get("requestBody", {}).get("content", {})
    if set(content) != set(MERGE_PATCH_MEDIA_TYPES):
        return
    if any(media.get("schema") != {"type": "object"} for media in content.values()):
        return
    schemas.setdefault(
        "MergePatch",
        {
            "type": "object",
            "additionalProperties": True,
            "title": "MergePatch",
            "description": "A JSON merge patch (RFC 7396) of the resource's writable fields.",
        },
    )
    for media in content.values():
        media["schema"] = {"$ref": "#/components/schemas/MergePatch"}


def array_body_schema(model: type[BaseModel], max_items: int) -> dict[str, Any]:
    """The OpenAPI schema of a body that is a JSON array of `model` (a body read by hand, so
    FastAPI does not document it): its items typed, the models' definitions written inline (a
    hand-written `requestBody` cannot add components)."""
    schema = TypeAdapter(list[model]).json_schema(  # type: ignore[valid-type]  # a run-time class
        mode="validation"
    )
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(defs[ref.rsplit("/", 1)[1]])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    out: dict[str, Any] = inline(schema)
    out["maxItems"] = max_items
    return out
