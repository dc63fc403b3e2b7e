"""Request bodies read by hand: JSON merge patches (RFC 7396) and per-item batch validation."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from shared.problems import PROBLEM_BASE, ProblemError, field_error

MERGE_PATCH = "application/merge-patch+json"

MERGE_PATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            MERGE_PATCH: {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
        },
        "description": "A JSON merge patch (RFC 7396): members set to `null` are removed, "
        "objects merge, arrays are replaced whole.",
    }
}


def malformed(message: str) -> ProblemError:
    return ProblemError(
        422,
        f"body: {message}",
        title="Unprocessable Content",
        type_=PROBLEM_BASE + "validation",
        errors=[field_error("body", message, "json_invalid")],
    )


async def read_json(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
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
