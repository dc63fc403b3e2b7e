"""The dashboard's pages through the gateway: routed to the KPI service with no API key (the
service checks its session cookie), request ids passed on as for the API."""

from __future__ import annotations

import re

import httpx

from tests.conftest import TEST_API_KEY
from tests.support.processes import Suite


async def test_dashboard_pages_pass_through_to_the_kpi_service(suite: Suite) -> None:
    async with httpx.AsyncClient(base_url=suite.base_url, timeout=30) as browser:
        bare = await browser.get("/dashboard")
        assert bare.status_code in (307, 308)
        assert bare.headers["location"].endswith("/dashboard/")
        home = await browser.get("/dashboard/", headers={"X-Request-ID": "page-req-1"})
        assert home.status_code == 303  # not signed in: to the sign-in page, not a 401
        assert home.headers["location"].startswith("/dashboard/sign-in")
        assert home.headers["x-request-id"] == "page-req-1"
        form = await browser.get("/dashboard/sign-in")
        assert form.status_code == 200
        assert form.headers["content-type"].startswith("text/html")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None
        signed_in = await browser.post(
            "/dashboard/sign-in",
            files={"api_key": (None, TEST_API_KEY), "csrf": (None, token.group(1))},
        )
        assert signed_in.status_code == 303
        assert "hub_session=" in signed_in.headers["set-cookie"]
        page = await browser.get("/dashboard/")
        assert page.status_code == 200
        assert "Signed in as bootstrap" in page.text
        missing = await browser.get("/dashboard/no-such-page")
        assert missing.status_code == 404
