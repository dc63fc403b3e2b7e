"""Keyset (cursor) pagination: stable under inserts, O(limit) per page at any depth."""

from __future__ import annotations

import base64
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from shared.problems import invalid

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class CursorPage(BaseModel, Generic[T]):
    """One page of results. Pass `next_cursor` as `cursor` to get the next page."""

    items: list[T]
    limit: int
    next_cursor: str | None = Field(default=None, description="Opaque; absent on the last page.")


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise invalid("query.cursor", "not a cursor this service issued") from exc
    if not isinstance(values, list) or len(values) != size:
        raise invalid("query.cursor", "not a cursor this service issued")
    return values
