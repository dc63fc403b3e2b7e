from __future__ import annotations

import logging

import pytest

from shared.middleware import AccessLogMiddleware
from tests.shared.middleware.conftest import client_for, failing_app, reading_app


def _lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "hub.access"]


async def test_one_line_per_request_with_method_path_status_and_duration(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="hub.access")
    async with client_for(AccessLogMiddleware(reading_app)) as client:
        await client.post("/api/v1/things?x=1", content=b"abc")
    [line] = _lines(caplog)
    assert line.getMessage() == "POST /api/v1/things 200"
    fields = vars(line)
    assert (fields["method"], fields["path"], fields["status"]) == ("POST", "/api/v1/things", 200)
    assert isinstance(fields["duration_ms"], float)
    assert fields["duration_ms"] >= 0


async def test_probes_are_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="hub.access")
    async with client_for(AccessLogMiddleware(reading_app)) as client:
        await client.get("/healthz")
        await client.get("/readyz")
        await client.get("/healthz/more")
    assert [r.getMessage() for r in _lines(caplog)] == ["GET /healthz/more 200"]


async def test_a_request_that_got_no_answer_is_logged_with_status_0(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="hub.access")
    async with client_for(AccessLogMiddleware(failing_app), raise_errors=True) as client:
        with pytest.raises(RuntimeError):
            await client.get("/boom")
    assert [r.getMessage() for r in _lines(caplog)] == ["GET /boom 0"]
