from __future__ import annotations

import pytest

from shared.middleware import MediaTypeMiddleware
from tests.conftest import assert_problem
from tests.shared.middleware.conftest import client_for, reading_app


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "Application/JSON; charset=utf-8", "application/merge-patch+json"],
)
async def test_the_accepted_media_types_pass(content_type: str) -> None:
    async with client_for(MediaTypeMiddleware(reading_app)) as client:
        response = await client.post("/", content=b"{}", headers={"content-type": content_type})
    assert response.json()["bytes"] == 2


async def test_another_media_type_or_none_is_a_415_listing_what_is_accepted() -> None:
    app = MediaTypeMiddleware(reading_app, accepted=("application/json",))
    async with client_for(app) as client:
        other = await client.put("/", content=b"a,b", headers={"content-type": "text/csv"})
        untyped = await client.patch("/", content=b"{}")
        empty = await client.post("/")  # Content-Length 0, no type: nothing to check
        read = await client.get("/", headers={"content-type": "text/csv"})
    body = assert_problem(other, 415)
    assert body["detail"] == "Content-Type text/csv is not accepted; send application/json."
    assert assert_problem(untyped, 415)["detail"].startswith("Content-Type none is not")
    assert empty.status_code == 200
    assert read.status_code == 200  # a GET has no body to check
