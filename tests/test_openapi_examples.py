"""Every request example in every service's OpenAPI is accepted exactly as written.

Integrators copy these examples. Examples can depend on each other (an activity names an area
that an area example creates), so they are posted in passes until no more succeed; at the end
every one of them must have been accepted.
"""

from __future__ import annotations

import re
from typing import Any

import httpx


def _json_examples(doc: dict[str, Any]) -> list[tuple[str, str, Any]]:
    schemas = doc.get("components", {}).get("schemas", {})
    out: list[tuple[str, str, Any]] = []
    for path, item in doc["paths"].items():
        for method in ("post", "put", "patch"):
            operation = item.get(method)
            if not operation or re.search(r"\{[^}]+\}", path):
                continue  # operations on one resource are exercised in their own tests
            content = operation.get("requestBody", {}).get("content", {})
            media = content.get("application/json")
            if media is None:
                continue
            examples = list((media.get("examples") or {}).values())
            examples = [e.get("value") for e in examples]
            if "example" in media:
                examples.append(media["example"])
            schema = media.get("schema", {})
            ref = schema.get("$ref", "")
            if ref:
                schema = schemas.get(ref.rsplit("/", 1)[1], {})
            examples += schema.get("examples", [])
            out += [(method, path, example) for example in examples]
    return out


async def _post_all(client: httpx.AsyncClient) -> int:
    """Post every example; returns how many there were."""
    doc = (await client.get("/openapi.json")).json()
    pending = _json_examples(doc)
    found = len(pending)
    refused: list[tuple[str, str, int, str]] = []
    while pending:
        refused, still_pending = [], []
        for method, path, example in pending:
            response = await client.request(method.upper(), path, json=example)
            if response.status_code >= 300:
                refused.append((method, path, response.status_code, response.text))
                still_pending.append((method, path, example))
        if len(still_pending) == len(pending):
            break  # no progress: what is left is refused for good
        pending = still_pending
    assert not refused, f"examples refused: {refused}"
    return found


async def test_activity_examples_are_accepted(activity_client: httpx.AsyncClient) -> None:
    assert await _post_all(activity_client) >= 3


async def test_survey_examples_are_accepted(survey_client: httpx.AsyncClient) -> None:
    assert await _post_all(survey_client) >= 1
