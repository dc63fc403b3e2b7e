from __future__ import annotations

import httpx
import pytest

from shared.middleware import RequestIdMiddleware
from shared.requestid import current_request_id
from tests.shared.middleware.conftest import client_for, reading_app


async def test_a_sane_id_is_kept_seen_by_the_app_and_echoed() -> None:
    async with client_for(RequestIdMiddleware(reading_app)) as client:
        response = await client.get("/", headers={"x-request-id": "caller-1.a:b"})
    assert response.headers["x-request-id"] == "caller-1.a:b"
    assert response.json()["request_id"] == "caller-1.a:b"
    assert current_request_id() is None  # reset once the request is over


@pytest.mark.parametrize("sent", [None, "", "has space", "x" * 129, "new\nline"])
async def test_a_missing_or_unsafe_id_is_replaced_by_a_new_one(sent: str | None) -> None:
    headers = {} if sent is None else {"x-request-id": sent}
    async with client_for(RequestIdMiddleware(reading_app)) as client:
        try:
            first = await client.get("/", headers=headers)
        except httpx.LocalProtocolError:
            pytest.skip("httpx itself refuses to send this header value")
        second = await client.get("/", headers=headers)
    ids = {first.headers["x-request-id"], second.headers["x-request-id"]}
    assert len(ids) == 2, "each request gets its own id"
    for response in (first, second):
        assert response.json()["request_id"] == response.headers["x-request-id"]
        assert response.headers["x-request-id"] != sent
        assert response.headers.get_list("x-request-id") == [response.headers["x-request-id"]]
