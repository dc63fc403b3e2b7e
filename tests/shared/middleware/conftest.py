"""Plain ASGI apps for the middleware tests, and a client for one wrapped in a middleware."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.requestid import current_request_id

JSON = {"content-type": "application/json"}


async def reading_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Reads the whole body, answers 200 with how many bytes it got and the request id it saw."""
    received = 0
    more = True
    while more:
        message = await receive()
        received += len(message.get("body", b""))
        more = message.get("more_body", False)
    body = json.dumps({"bytes": received, "request_id": current_request_id()}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def failing_app(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("secret internals: password=hunter2")


async def failing_after_start_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    raise RuntimeError("failed mid-response")


@asynccontextmanager
async def client_for(
    app: ASGIApp, *, raise_errors: bool = False
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_errors)
    async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
        yield client


async def chunks(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    """A body streamed in these chunks (no Content-Length)."""
    for part in parts:
        yield part
