from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
from fastapi import FastAPI, Query, Request

from shared.middleware import RepeatedQueryMiddleware, RouteRefusalMiddleware
from shared.routing import RouteTable
from tests.conftest import assert_problem
from tests.shared.middleware.conftest import JSON, client_for


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/things")
    async def list_things(
        area: str | None = None, tag: list[str] | None = Query(None)
    ) -> list[str]:
        return [area or "", *(tag or [])]

    @app.post("/things")
    async def create_thing(payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    @app.patch(
        "/things/{thing_id}",
        openapi_extra={
            "requestBody": {"content": {"application/merge-patch+json": {"schema": {}}}}
        },
    )
    async def patch_thing(thing_id: str, request: Request) -> dict[str, Any]:
        return {"id": thing_id, "patch": await request.json()}

    return app


def _client(
    middleware: type[RouteRefusalMiddleware | RepeatedQueryMiddleware],
) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    app = _app()
    return client_for(middleware(app, routes=RouteTable(app)))


async def test_a_method_the_path_lacks_is_a_405_allowing_all_of_its_methods() -> None:
    async with _client(RouteRefusalMiddleware) as client:
        response = await client.delete("/things")
        unknown = await client.delete("/nowhere")
    body = assert_problem(response, 405)
    assert response.headers["allow"] == "GET, POST"
    assert body["instance"] == "/things"
    assert unknown.status_code == 404  # no such path: the app's own answer


async def test_a_media_type_the_operation_does_not_declare_is_a_415_saying_which_it_does() -> None:
    async with _client(RouteRefusalMiddleware) as client:
        wrong = await client.patch("/things/1", json={"a": 1})
        right = await client.patch(
            "/things/1",
            content=b'{"a": 1}',
            headers={"content-type": "application/merge-patch+json"},
        )
        created = await client.post("/things", json={"a": 1})
    body = assert_problem(wrong, 415)
    assert "send application/merge-patch+json" in body["detail"]
    assert wrong.headers["accept-patch"] == "application/merge-patch+json"
    assert right.json() == {"id": "1", "patch": {"a": 1}}
    assert created.json() == {"a": 1}


async def test_a_one_value_query_parameter_given_twice_is_a_422_naming_it() -> None:
    async with _client(RepeatedQueryMiddleware) as client:
        repeated = await client.get("/things?area=a&area=b&tag=x&tag=y")
        arrays = await client.get("/things?area=a&tag=x&tag=y")
    body = assert_problem(repeated, 422, "query.area")
    assert [e["field"] for e in body["errors"]] == ["query.area"]  # `tag` takes many
    assert body["errors"][0]["type"] == "repeated"
    assert arrays.json() == ["a", "x", "y"]


async def test_without_a_refusal_the_request_reaches_the_app_unchanged() -> None:
    async with _client(RouteRefusalMiddleware) as client:
        response = await client.post("/things", content=b'{"n": 2}', headers=JSON)
    assert response.json() == {"n": 2}
