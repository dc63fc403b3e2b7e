"""The pieces composed (`RequestContextMiddleware`): refusals in the documented order, each one
with the request id and an access-log line."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import FastAPI, Request

from shared.middleware import RequestContextMiddleware
from shared.problems import install_problem_handlers
from shared.routing import RouteTable
from tests.conftest import assert_problem
from tests.shared.middleware.conftest import JSON, client_for, reading_app

CSV = {"content-type": "text/csv"}


def _service() -> RequestContextMiddleware:
    app = FastAPI()
    install_problem_handlers(app)  # as every service has

    @app.get("/things")
    async def list_things(area: str | None = None) -> list[str]:
        return [area or ""]

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, int]:  # reads its body by hand
        return {"bytes": len(await request.body())}

    @app.post("/things")
    async def create_thing(payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    return RequestContextMiddleware(app, max_body_bytes=200, routes=RouteTable(app))


@pytest.mark.parametrize(
    ("method", "path", "content", "headers", "status", "first_refusal"),
    [
        ("PUT", "/things", b"x" * 201, CSV, 405, "a 405 before a 413"),
        ("POST", "/raw", b"x" * 201, CSV, 413, "a 413 before a 415 by the service's types"),
        ("POST", "/raw", b"a,b", CSV, 415, "a 415 by the service's types"),
        ("POST", "/things", b"[" * 65 + b"]" * 65, JSON, 422, "too deep"),
        ("GET", "/things?area=a&area=%00", b"", {}, 422, "repeated before NUL"),
        ("GET", "/things?area=%00", b"", {}, 422, "a NUL"),
    ],
)
async def test_each_refusal_answers_in_order_with_the_request_id_and_a_log_line(
    method: str,
    path: str,
    content: bytes,
    headers: dict[str, str],
    status: int,
    first_refusal: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="hub.access")
    async with client_for(_service()) as client:
        response = await client.request(
            method, path, content=content, headers={**headers, "x-request-id": "rid-1"}
        )
    body = assert_problem(response, status)
    assert response.headers["x-request-id"] == "rid-1" == body["request_id"], first_refusal
    if first_refusal == "repeated before NUL":
        assert [e["type"] for e in body["errors"]] == ["repeated"]
    [line] = [r for r in caplog.records if r.name == "hub.access"]
    assert vars(line)["status"] == status


async def test_what_passes_every_check_reaches_the_app() -> None:
    async with client_for(_service()) as client:
        created = await client.post("/things", json={"a": "ok"})
        listed = await client.get("/things?area=north")
    assert created.json() == {"a": "ok"}
    assert listed.json() == ["north"]


async def test_the_gateway_stack_leaves_media_types_and_json_text_to_the_services() -> None:
    gateway = RequestContextMiddleware(
        reading_app, max_body_bytes=100, accepted_media_types=None, refuse_nul_in_json=False
    )
    async with client_for(gateway) as client:
        csv = await client.post("/api/v1/things", content=b"a,b", headers=CSV)
        nul_json = await client.post("/api/v1/things", content=b'{"a": "\\u0000"}', headers=JSON)
        nul_query = await client.get("/api/v1/things?q=%00")
        too_large = await client.post("/api/v1/things", content=b"x" * 101, headers=CSV)
    assert (csv.status_code, nul_json.status_code) == (200, 200)
    assert csv.json()["request_id"] == csv.headers["x-request-id"]
    assert_problem(nul_query, 422, "query.q")
    assert_problem(too_large, 413)
