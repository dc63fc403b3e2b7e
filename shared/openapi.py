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
- a JSON merge-patch body (`merge_patch_body`) refers to its resource's own closed patch
  schema, moved into the components (one model for both media types).
Operation ids are the endpoint functions' names (`operation_id`).
"""

from __future__ import annotations

import copy
import json
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
    _hoist_merge_patch(operation, schemas)


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


def merge_patch_body(
    model: type[BaseModel], title: str, *, exclude: tuple[str, ...] = ()
) -> dict[str, Any]:
    """`openapi_extra` of a PATCH whose body (read by hand) is a JSON merge patch (RFC 7396)
    of `model`'s fields but `exclude`: one closed schema of its own, named `title`.

    Every member is optional (left out: kept); `null` only where it removes the member, so a
    field the resource cannot lack is not nullable; objects merge, so a nested model's patch is
    itself a patch; arrays are replaced whole, so their items are the full models. Unknown
    members are refused (`additionalProperties: false`), as the server refuses them. The
    schemas ride in `x-hub-schemas` until `contract_document` moves them into the components.
    """
    schema = model.model_json_schema(mode="validation", ref_template=_DEFS_TEMPLATE)
    defs: dict[str, Any] = schema.pop("$defs", {})
    schemas: dict[str, Any] = {}
    for name in exclude:
        schema.get("properties", {}).pop(name, None)
    _patch_object(schema, title, defs, schemas)
    ref = {"$ref": f"#/components/schemas/{title}"}
    return {
        "requestBody": {
            "required": True,
            "content": {
                media_type: {"schema": dict(ref)} for media_type in MERGE_PATCH_MEDIA_TYPES
            },
            "description": "A JSON merge patch (RFC 7396): members set to `null` are removed, "
            "objects merge, arrays are replaced whole; members left out are kept.",
            _HOISTED: {"schemas": schemas, "defs": defs},
        }
    }


_DEFS_TEMPLATE = "#/$defs/{model}"
_HOISTED = "x-hub-schemas"


def _patch_object(
    schema: dict[str, Any], title: str, defs: dict[str, Any], out: dict[str, Any]
) -> None:
    required = set(schema.get("required", ()))
    properties: dict[str, Any] = {}
    for name, member in schema.get("properties", {}).items():
        member = {k: v for k, v in member.items() if k != "default"}
        patched = _patch_member(member, title, defs, out)
        properties[name] = patched if name in required else _nullable(patched)
    out[title] = {
        "type": "object",
        "title": title,
        "description": f"A JSON merge patch (RFC 7396) of {schema.get('title', title)}.",
        "properties": properties,
        "additionalProperties": False,
    }


def _patch_member(
    member: dict[str, Any], title: str, defs: dict[str, Any], out: dict[str, Any]
) -> dict[str, Any]:
    ref = member.get("$ref", "")
    if ref.startswith("#/$defs/"):
        name = ref.rsplit("/", 1)[1]
        if "properties" not in defs[name]:
            return member  # an enum or other value: replaced as it is
        patch_title = f"{title}{name}"
        if patch_title not in out:
            _patch_object(defs[name], patch_title, defs, out)
        return {**member, "$ref": f"#/components/schemas/{patch_title}"}
    if "anyOf" in member:
        return {**member, "anyOf": [_patch_member(m, title, defs, out) for m in member["anyOf"]]}
    if member.get("type") == "object":
        # A map merges entry by entry: `null` removes one.
        out = dict(member)
        if isinstance(member.get("additionalProperties"), dict):
            out["additionalProperties"] = _nullable(member["additionalProperties"])
        if "patternProperties" in member:
            out["patternProperties"] = {
                pattern: _nullable(values)
                for pattern, values in member["patternProperties"].items()
            }
        return out
    return member


def _nullable(member: dict[str, Any]) -> dict[str, Any]:
    options = member.get("anyOf")
    if options is not None:
        if {"type": "null"} in options:
            return member
        return {**member, "anyOf": [*options, {"type": "null"}]}
    if member.get("type") == "null":
        return member
    outer: dict[str, Any] = {k: member[k] for k in ("title", "description") if k in member}
    inner = {k: v for k, v in member.items() if k not in outer}
    return {**outer, "anyOf": [inner, {"type": "null"}]}


def _hoist_merge_patch(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Move a merge patch's schemas (`merge_patch_body`) into the components, with the models
    they refer to (an array's items): each keeps its own component when the document has the
    same one, else it is added, as `Patch<Name>` when the document has another of that name."""
    body = operation.get("requestBody", {})
    hoisted = body.pop(_HOISTED, None)
    if hoisted is None:
        return
    defs: dict[str, Any] = hoisted["defs"]
    names = {
        name: name if schemas.get(name) in (None, _refer(schema, {})) else f"Patch{name}"
        for name, schema in defs.items()
    }
    schemas.update(_refer(hoisted["schemas"], names))
    wanted = _referred(hoisted["schemas"], defs)
    while wanted:
        name = wanted.pop()
        if names[name] not in schemas:
            schemas[names[name]] = _refer(defs[name], names)
            wanted |= _referred(defs[name], defs)


def _refer(schema: Any, names: dict[str, str]) -> Any:
    """`schema` with its `#/$defs/` references pointing into the components."""
    text = json.dumps(schema)
    for name in set(re.findall(r'"#/\$defs/([^"]+)"', text)):
        text = text.replace(f'"#/$defs/{name}"', f'"#/components/schemas/{names.get(name, name)}"')
    return json.loads(text)


def _referred(schema: Any, defs: dict[str, Any]) -> set[str]:
    """The definitions `schema` refers to."""
    return set(re.findall(r'"#/\$defs/([^"]+)"', json.dumps(schema))) & set(defs)


def array_body_schema(model: type[BaseModel], max_items: int) -> dict[str, Any]:
    """The OpenAPI schema of a body that is a JSON array of `model` (a body read by hand, so
    FastAPI does not document it): its items typed, the models' definitions written inline (a
    hand-written `requestBody` cannot add components)."""
    out = _inline(
        TypeAdapter(list[model]).json_schema(  # type: ignore[valid-type]  # a run-time class
            mode="validation"
        )
    )
    out["maxItems"] = max_items
    return out


def object_body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI schema of a body that is one `model` read by hand, written inline."""
    return _inline(model.model_json_schema(mode="validation"))


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
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
    return out
