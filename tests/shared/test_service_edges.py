"""What every service does at its edges (built by `shared.app.create_service_app`)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, Depends
from sqlalchemy import text

import shared.db
from hub.ports import free_port
from shared.app import create_service_app
from shared.auth import require_scope
from shared.db import SessionDep
from shared.settings import ServiceSettings
from tests.conftest import AUTH, assert_problem
from tests.support.identity import identity

router = APIRouter()


@router.get("/boom")
async def boom() -> dict[str, str]:
    raise RuntimeError("secret internals: password=hunter2")


@router.post("/echo", dependencies=[Depends(require_scope("kpi:write"))])
async def echo(payload: dict[str, int]) -> dict[str, int]:
    return payload


@router.post("/write")
async def write(session: SessionDep) -> dict[str, int]:
    # A POST runs in a write transaction: on SQLite it starts with BEGIN IMMEDIATE.
    return {"value": (await session.execute(text("SELECT 1"))).scalar_one()}


async def _client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(
        settings=ServiceSettings(service_name="edge", database_url=database_url),
        title="edge",
        description="edge cases",
        routers=[router],
        configure_logs=False,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://e", headers=AUTH) as c:
            yield c


@pytest.fixture
async def edge(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(f"sqlite+aiosqlite:///{tmp_path / 'edge.db'}"):
        yield client


async def test_a_crash_is_a_500_problem_without_internals(edge: httpx.AsyncClient) -> None:
    response = await edge.get("/api/v1/boom")
    body = assert_problem(response, 500)
    text = response.text
    assert "hunter2" not in text
    assert "Traceback" not in text
    assert "RuntimeError" not in text
    assert body["request_id"] == response.headers["x-request-id"]


async def test_missing_scope_is_a_403_problem(edge: httpx.AsyncClient) -> None:
    response = await edge.post("/api/v1/echo", json={"a": 1}, headers=identity(["kpi:read"]))
    body = assert_problem(response, 403)
    assert "kpi:write" in body["detail"]
    allowed = await edge.post("/api/v1/echo", json={"a": 1})
    assert allowed.json() == {"a": 1}


async def test_request_ids_are_kept_when_sane_and_replaced_otherwise(
    edge: httpx.AsyncClient,
) -> None:
    kept = await edge.get("/healthz", headers={"X-Request-ID": "mobile-42.retry:3"})
    assert kept.headers["x-request-id"] == "mobile-42.retry:3"
    for bad in ("x" * 200, "has space", "new\\nline"):
        replaced = await edge.get("/healthz", headers={"X-Request-ID": bad})
        assert replaced.headers["x-request-id"] != bad
        assert len(replaced.headers["x-request-id"]) == 32


async def test_unknown_path_and_method_are_problems(edge: httpx.AsyncClient) -> None:
    assert_problem(await edge.get("/api/v1/nothing-here"), 404)
    assert_problem(await edge.delete("/api/v1/echo"), 405)


async def test_media_type_and_size_limits(edge: httpx.AsyncClient) -> None:
    assert_problem(
        await edge.post("/api/v1/echo", content=b"a=1", headers={"content-type": "text/csv"}),
        415,
    )
    big = b'{"a": 1, "pad": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    assert_problem(
        await edge.post("/api/v1/echo", content=big, headers={"content-type": "application/json"}),
        413,
    )


async def test_validation_problem_names_the_field(edge: httpx.AsyncClient) -> None:
    body = assert_problem(await edge.post("/api/v1/echo", json={"a": "one"}), 422, "body.a")
    assert body["type"].endswith("/validation")


async def test_health_and_readiness(edge: httpx.AsyncClient) -> None:
    assert (await edge.get("/healthz")).json() == {"status": "ok"}
    ready = await edge.get("/readyz")
    assert ready.json() == {"status": "ready", "checks": {"database": "ok"}}


async def test_readiness_fails_fast_when_the_database_is_down() -> None:
    async for client in _client(f"postgresql://nobody@127.0.0.1:{free_port()}/none"):
        ready = await client.get("/readyz")
        body = assert_problem(ready, 503)
        assert body["checks"] == {"database": "failed"}
        assert (await client.get("/healthz")).status_code == 200


async def test_a_locked_sqlite_database_is_a_503_with_retry_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process holds the write lock past the busy timeout (made tiny here).
    monkeypatch.setattr(shared.db, "SQLITE_BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "locked.db"
    async for client in _client(f"sqlite+aiosqlite:///{path}"):
        assert (await client.post("/api/v1/write", json={})).json() == {"value": 1}
        holder = sqlite3.connect(path, isolation_level=None, timeout=0)
        try:
            holder.execute("BEGIN IMMEDIATE")
            locked = await client.post("/api/v1/write", json={})
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        body = assert_problem(locked, 503)
        assert locked.headers["retry-after"] == "1"
        assert body["type"].endswith("/database-busy")
        assert body["request_id"] == locked.headers["x-request-id"]
        # Once the other writer is done, the same request goes through.
        assert (await client.post("/api/v1/write", json={})).json() == {"value": 1}
