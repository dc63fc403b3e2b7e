"""No NUL characters (U+0000) in text: PostgreSQL cannot store one in text (SQLite can), so
every service refuses it alike, with a 422 naming each field: in the path, in the query, and in
JSON bodies.

A JSON body is watched for the `\\u0000` escape as it streams past; only when one is seen is
the body parsed here, and if a string or key really holds a NUL the app never gets the whole
body (`NulTextError` comes out of `receive`, the app's problem handler answers it).
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.json_depth import JsonTooDeepError
from shared.middleware._asgi import (
    JSON_MEDIA_TYPES,
    StartWatch,
    content_type,
    printable,
    send_problem_body,
)
from shared.problems import NulTextError, nul_field_errors, validation_problem_body

# JSON text cannot hold a raw NUL (control characters must be escaped; json.loads refuses a
# raw one), so a string can only get U+0000 through this escape. Looked for in every chunk of
# a JSON body, the only cost on the hot path: ~4 us for a 500-activity batch without
# escapes, ~160 us with some (a batch takes ~20 ms).
_NUL_ESCAPE = b"\\u0000"
# Bytes of the previous chunk kept to find an escape split across two chunks.
_NUL_OVERLAP = len(_NUL_ESCAPE) - 1


class NulTextMiddleware:
    def __init__(self, app: ASGIApp, *, scan_json_bodies: bool = True) -> None:
        self.app = app
        # False where bodies are forwarded as they arrive (the gateway): a chunk already sent on
        # cannot be taken back, so whoever stores the text refuses it.
        self.scan_json_bodies = scan_json_bodies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nul_fields = _nul_in_target(scope)
        if nul_fields:
            problem = validation_problem_body(
                nul_field_errors(nul_fields), instance=printable(scope["path"])
            )
            await send_problem_body(send, problem)
            return
        if not (self.scan_json_bodies and content_type(scope) in JSON_MEDIA_TYPES):
            await self.app(scope, receive, send)
            return
        watched = StartWatch(send)
        try:
            await self.app(scope, _NulWatch(receive), watched)
        except JsonTooDeepError:
            raise  # not about NUL: `JsonDepthLimitMiddleware` answers it
        except NulTextError as exc:
            # Normally answered by the app's problem handler; this is for an app without it.
            if watched.started:
                raise
            problem = validation_problem_body(exc.errors, instance=printable(scope["path"]))
            await send_problem_body(send, problem)


def _nul_in_target(scope: Scope) -> list[tuple[str, bool]]:
    """(field, is_a_name) for each NUL in the path or the query."""
    found: list[tuple[str, bool]] = []
    if "\x00" in scope["path"]:
        found.append(("path", False))
    query: bytes = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        # Parsed as Starlette parses it, so the names are the ones the app would see.
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name:
                found.append((f"query.{printable(name)}", True))
            elif "\x00" in value:
                found.append((f"query.{name}", False))
    return found


def _nul_fields_in_json(raw: bytes) -> list[tuple[str, bool]]:
    """(field, is_a_key) for each string and object key of the JSON body holding a NUL;
    none when the body is not JSON (the app reports that as it always does)."""
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        return []
    found: list[tuple[str, bool]] = []
    # Iterative: a body may nest deeper than the walk could recurse. Children are pushed in
    # reverse so the fields come out in document order. (Runs only after an escape was seen.)
    stack: list[tuple[str, Any]] = [("body", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                found.append((printable(path), False))
        elif isinstance(value, dict):
            for key in value:
                if "\x00" in key:
                    found.append((printable(f"{path}.{key}"), True))
            stack.extend((f"{path}.{key}", item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}", value[i]) for i in range(len(value) - 1, -1, -1))
    return found


class _NulWatch:
    """`receive` for a JSON body: hands each chunk on as it comes, unless it shows the NUL
    escape; then it and the rest of the body wait here until the whole body has been parsed."""

    __slots__ = ("_passed", "_pending", "_receive", "_tail")

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._passed: list[bytes] = []  # chunks handed on (references, for the rare re-parse)
        self._tail = b""  # the last bytes seen, for an escape split across two chunks
        self._pending: deque[Message] = deque()  # held back, then found harmless

    async def __call__(self) -> Message:
        if self._pending:
            return self._pending.popleft()
        message = await self._receive()
        if message["type"] != "http.request":
            return message
        body: bytes = message.get("body", b"")
        tail = self._tail
        # A backslash first: a memchr scan (~15x faster than the substring search), and most
        # chunks hold no escape at all.
        if (b"\\" in body and _NUL_ESCAPE in body) or (
            tail and _NUL_ESCAPE in tail + body[:_NUL_OVERLAP]
        ):
            return await self._hold_back(message)
        if message.get("more_body", False):
            self._passed.append(body)
            last = (tail + body if len(body) < _NUL_OVERLAP else body)[-_NUL_OVERLAP:]
            self._tail = last if b"\\" in last else b""  # no backslash: nothing to complete
        else:
            self._passed.clear()  # the body is complete: hold no references past it
        return message

    async def _hold_back(self, first: Message) -> Message:
        held = [first]
        while held[-1]["type"] == "http.request" and held[-1].get("more_body", False):
            held.append(await self._receive())
        chunks = [*self._passed]
        chunks += (m.get("body", b"") for m in held if m["type"] == "http.request")
        self._passed.clear()
        fields = _nul_fields_in_json(b"".join(chunks))
        if fields:
            # Out of the app's body reading (see NulTextError): the app never gets the body.
            raise NulTextError(nul_field_errors(fields))
        # No NUL after all (an escaped backslash before `u0000`), or not JSON at all (the app
        # reports that as always): the app gets every message as it came, each byte once.
        self._pending.extend(held[1:])
        return first
