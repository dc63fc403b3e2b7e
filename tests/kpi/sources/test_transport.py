"""The source clients' aiohttp transport, against a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from hub.ports import free_port
from services.kpi.sources.transport import AiohttpTransport


async def _echo(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "path": request.raw_path,
            "query": list(request.query.items()),
            "key": request.headers.get("X-API-Key"),
        },
        status=int(request.query.get("status", "200")),
        headers={"X-Seen": "yes"},
    )


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return web.Response(text="late")


@pytest.fixture
async def server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/slow", _slow)
    app.router.add_get("/{tail:.*}", _echo)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def _client(base_url: str, timeout: float = 5.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"X-API-Key": "k"},
        timeout=httpx.Timeout(timeout, connect=1.0),
        transport=AiohttpTransport(max_connections=4, keepalive_s=4.0),
    )


async def test_answers_come_back_as_sent(server: str) -> None:
    async with _client(server) as client:
        for _ in range(2):  # the second on the kept connection
            answer = await client.get(
                "/api/v1/areas/A%2FB/summary", params=[("on", "2022-07-31"), ("status", "404")]
            )
            assert answer.status_code == 404
            assert answer.headers["x-seen"] == "yes"
            assert answer.json() == {
                "path": "/api/v1/areas/A%2FB/summary?on=2022-07-31&status=404",
                "query": [["on", "2022-07-31"], ["status", "404"]],
                "key": "k",
            }


async def test_a_closed_port_is_a_connect_error() -> None:
    async with _client(f"http://127.0.0.1:{free_port()}") as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/healthz")


async def test_a_silent_server_is_a_timeout(server: str) -> None:
    async with _client(server, timeout=0.3) as client:
        with pytest.raises(httpx.TimeoutException):
            await client.get("/slow")
