"""What the request middlewares share: reading the scope, answering a problem."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Message, Scope, Send

from shared.problems import PROBLEM_MEDIA_TYPE, problem_body

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON_MEDIA_TYPES = frozenset({"application/json", "application/merge-patch+json"})
_CONTENT_TYPE_KEY = "hub.content_type"


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def content_type(scope: Scope) -> str:
    """The media type of a body method's body alone, lower case ("" when none was sent, and
    for a method that takes no body). Several pieces ask: read once per request, kept in the
    scope."""
    if scope["method"] not in BODY_METHODS:
        return ""
    found: str | None = scope.get(_CONTENT_TYPE_KEY)
    if found is None:
        found = (header(scope, b"content-type") or "").split(";")[0].strip().lower()
        scope[_CONTENT_TYPE_KEY] = found
    return found


def printable(text: str) -> str:
    """`text` with each NUL written as its escape, for naming where it was."""
    return text.replace("\x00", "\\u0000")


async def send_problem(
    send: Send,
    status: int,
    detail: str,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> None:
    await send_problem_body(send, problem_body(status, detail=detail, instance=instance), headers)


async def send_problem_body(
    send: Send, problem: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    """The problem as the whole response (the request id header is added on the way out by
    `RequestIdMiddleware`; the body carries the id already, from the context)."""
    status: int = problem["status"]
    body = json.dumps(problem).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class StartWatch:
    """`send` that notes whether the response has started (an error after that point cannot
    be answered any more, only passed on)."""

    __slots__ = ("_send", "started")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)
