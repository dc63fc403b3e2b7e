from __future__ import annotations

import pytest

from shared.middleware import RequestIdMiddleware, ServerErrorMiddleware
from tests.conftest import assert_problem
from tests.shared.middleware.conftest import (
    client_for,
    failing_after_start_app,
    failing_app,
    reading_app,
)


async def test_an_unhandled_error_is_a_500_problem_with_the_request_id_and_no_internals(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = RequestIdMiddleware(ServerErrorMiddleware(failing_app))
    async with client_for(app, raise_errors=True) as client:
        response = await client.get("/boom", headers={"x-request-id": "rid-500"})
    body = assert_problem(response, 500)
    assert body["request_id"] == "rid-500" == response.headers["x-request-id"]
    assert "quote the request id" in body["detail"]
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    [logged] = [r for r in caplog.records if r.name == "hub.errors"]
    assert logged.getMessage() == "unhandled error on GET /boom"
    assert logged.exc_info is not None  # the stack goes to the log
    assert "hunter2" in str(logged.exc_info[1])


async def test_an_error_after_the_response_started_is_passed_on() -> None:
    async with client_for(ServerErrorMiddleware(failing_after_start_app), raise_errors=True) as c:
        with pytest.raises(RuntimeError, match="failed mid-response"):
            await c.get("/")


async def test_a_request_without_error_is_untouched() -> None:
    async with client_for(ServerErrorMiddleware(reading_app)) as client:
        response = await client.post("/", content=b"12345")
    assert (response.status_code, response.json()["bytes"]) == (200, 5)
