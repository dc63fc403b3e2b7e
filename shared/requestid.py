"""Request ids: accepted from `X-Request-ID` when sane, generated otherwise, echoed back."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar, Token

REQUEST_ID_HEADER = "x-request-id"
_VALID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> Token[str | None]:
    return _request_id.set(value)


def reset_request_id(token: Token[str | None]) -> None:
    _request_id.reset(token)


def accept_or_generate(raw: str | None) -> str:
    """Keep a caller's id when it is short and printable (it goes into logs), else make one."""
    if raw and _VALID.match(raw):
        return raw
    return uuid.uuid4().hex
