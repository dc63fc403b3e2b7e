"""Request bodies read by hand: JSON merge patches (RFC 7396) and batches of activities."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from services.activity.activities.schemas import (
    ActionIn,
    ActivityCreate,
    ActivityUpdate,
    BatchIn,
    BatchItemIn,
)
from services.activity.fields import StrictModel
from shared.json_depth import MAX_JSON_DEPTH, nesting_too_deep_detail, too_deep
from shared.openapi import merge_patch_body
from shared.problems import PROBLEM_BASE, ProblemError, field_error

MERGE_PATCH = "application/merge-patch+json"

# The merge patches' bodies, each its own closed schema (`shared.openapi.merge_patch_body`).
ACTIVITY_PATCH_BODY = merge_patch_body(ActivityUpdate, "ActivityPatch")
ACTION_PATCH_BODY = merge_patch_body(ActionIn, "ActionPatch", exclude=("id",))


def malformed(message: str, type_: str = "json_invalid") -> ProblemError:
    return ProblemError(
        422,
        f"body: {message}",
        title="Unprocessable Content",
        type_=PROBLEM_BASE + "validation",
        errors=[field_error("body", message, type_)],
    )


def _parse(raw: bytes) -> Any:
    """`json.loads`, with nesting too deep for it (a RecursionError) refused first. The shared
    middleware refuses such bodies already; this keeps the rule where the parsing is."""
    if too_deep(raw, MAX_JSON_DEPTH):
        raise malformed(nesting_too_deep_detail(MAX_JSON_DEPTH), "json_too_deep")
    return json.loads(raw)


async def read_json(request: Request) -> Any:
    raw = await request.body()
    try:
        return _parse(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise malformed(f"malformed JSON: {exc}") from exc


async def read_json_object(request: Request) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise ProblemError(
            422,
            "body: must be a JSON object",
            title="Unprocessable Content",
            type_=PROBLEM_BASE + "validation",
            errors=[field_error("body", "must be a JSON object", "dict_type")],
        )
    return body


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: apply `patch` to `target` (neither is modified)."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


class _ValidBatch(StrictModel):
    items: list[ActivityCreate]


def batch_request_body(example: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI `requestBody` of the batch endpoint (its body is read by `read_batch`)."""
    # An item is an ActivityCreate whose `id` is required: written inline (a hand-written body
    # cannot add components), its nested models referring to the components ActivityCreate has.
    item = BatchItemIn.model_json_schema(ref_template="#/components/schemas/{model}")
    item.pop("$defs", None)
    item.pop("examples", None)
    items = {
        "type": "array",
        "items": item,
        "description": BatchIn.model_fields["items"].description,
    }
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["items"],
        "properties": {"items": {**items, "maxItems": 500}},
    }
    examples = {"batch": {"value": example}}
    return {
        "required": True,
        "content": {"application/json": {"schema": schema, "examples": examples}},
    }


async def read_batch(request: Request) -> list[Any]:
    """The items of a batch body.

    Every item valid (the usual case): `ActivityCreate`s, validated straight from the bytes in
    one pydantic-core call (no Python objects for the parsed JSON in between). Otherwise the
    parsed items as sent, each validated on its own later so that each gets its own outcome;
    a body that is not a batch at all is a 422 as FastAPI would word it.
    """
    raw = await request.body()
    try:
        return list(_ValidBatch.model_validate_json(raw).items)
    except ValidationError:
        pass
    if not raw:
        missing = {"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}
        raise RequestValidationError([missing])
    try:
        # Only a batch that failed validation gets here (pydantic-core parses without recursing).
        document = _parse(raw)
    except json.JSONDecodeError as exc:
        # Worded as FastAPI words it for a body it parses itself (offset in `loc`).
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", exc.pos),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": exc.msg},
                }
            ]
        ) from exc
    except UnicodeDecodeError as exc:
        raise malformed(f"malformed JSON: {exc}") from exc
    try:
        return BatchIn.model_validate(document).items
    except ValidationError as exc:
        raise RequestValidationError(
            [{**err, "loc": ("body", *err["loc"])} for err in exc.errors(include_url=False)]
        ) from exc
