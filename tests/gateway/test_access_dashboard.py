"""Signing in to the dashboard at the gateway, through real processes: every API key the API
takes (the bootstrap key, managed keys; revoked or expired ones refused, and their sessions
ended at once) into a signed, HttpOnly, SameSite=Strict cookie with an expiry; CSRF tokens on
the forms; the page requests carry the caller's signed identity, so the KPI service applies
its scopes and districts as on the API."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta

import httpx

from gateway.config import GatewaySettings
from gateway.sessions import SESSION_COOKIE, Sessions
from shared.auth import Principal
from shared.settings import HubSettings
from tests.conftest import TEST_API_KEY
from tests.gateway.test_access_keys import KEYS, as_key, make_key
from tests.support.factories import activity_payload
from tests.support.processes import Suite


def browser(base_url: str) -> httpx.AsyncClient:
    """As a browser is: no API key header, cookies kept."""
    return httpx.AsyncClient(base_url=base_url, timeout=30)


async def sign_in(
    client: httpx.AsyncClient, key: str = TEST_API_KEY, next_: str = "/dashboard/"
) -> httpx.Response:
    """The browser's way in: the form (with its CSRF token), then the key."""
    form = await client.get("/dashboard/sign-in", params={"next": next_})
    assert form.status_code == 200
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    return await client.post(
        "/dashboard/sign-in",
        files={"api_key": (None, key), "csrf": (None, token.group(1)), "next": (None, next_)},
    )


def _set_cookie(response: httpx.Response, name: str) -> str | None:
    return next(
        (v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(name)),
        None,
    )


async def test_sign_in_sets_a_signed_strict_httponly_cookie_and_sign_out_ends_it(
    seeded_suite: Suite,
) -> None:
    async with browser(seeded_suite.base_url) as client:
        signed_in = await sign_in(client, next_="/dashboard/activity")
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/dashboard/activity"
        cookie = _set_cookie(signed_in, "hub_session=")
        assert cookie is not None
        attributes = cookie.lower()
        assert "httponly" in attributes
        assert "samesite=strict" in attributes
        assert "max-age=28800" in attributes
        assert "path=/dashboard" in attributes
        assert "secure" not in attributes  # plain http on loopback
        assert TEST_API_KEY not in cookie  # the key itself never goes into the cookie
        home = await client.get("/dashboard/")
        assert home.status_code == 200
        assert "Signed in as bootstrap" in home.text
        token = re.search(r'name="csrf" value="([^"]+)"', home.text)
        assert token is not None
        refused = await client.post("/dashboard/sign-out", files={"csrf": (None, "forged")})
        assert refused.status_code == 403
        assert "did not come from this site" in refused.text
        assert (await client.get("/dashboard/")).status_code == 200
        out = await client.post("/dashboard/sign-out", files={"csrf": (None, token.group(1))})
        assert out.status_code == 303
        assert out.headers["location"] == "/dashboard/sign-in"
        gone = _set_cookie(out, "hub_session=")
        assert gone is not None
        assert "max-age=0" in gone.lower()
        client.cookies.clear()  # the browser drops the cookie the answer deleted
        assert (await client.get("/dashboard/")).status_code == 303


async def test_a_wrong_key_or_a_forged_form_signs_nobody_in(seeded_suite: Suite) -> None:
    async with browser(seeded_suite.base_url) as client:
        wrong = await sign_in(client, key="not-a-key")
        assert wrong.status_code == 401
        assert "That API key is not valid." in wrong.text
        assert _set_cookie(wrong, "hub_session=") is None
        forged = await client.post(
            "/dashboard/sign-in",
            files={"api_key": (None, TEST_API_KEY), "csrf": (None, "made-up")},
        )
        assert forged.status_code == 403
        assert "The form had expired" in forged.text
        assert _set_cookie(forged, "hub_session=") is None
    async with browser(seeded_suite.base_url) as client:
        no_cookie = await client.post(
            "/dashboard/sign-in", files={"api_key": (None, TEST_API_KEY), "csrf": (None, "")}
        )
        assert no_cookie.status_code == 403


async def test_keys_and_identities_sent_by_a_browser_sign_nobody_in(seeded_suite: Suite) -> None:
    """Pages take only the gateway's session: an API key header or a made-up identity is
    nobody (the gateway drops the identity header; the service takes no key for a page)."""
    async with browser(seeded_suite.base_url) as client:
        for headers in ({"X-API-Key": TEST_API_KEY}, {"X-Hub-Identity": "eyJmade.up.token"}):
            page = await client.get("/dashboard/", headers=headers)
            assert page.status_code == 303, headers


async def test_a_tampered_cookie_is_no_session(seeded_suite: Suite) -> None:
    async with browser(seeded_suite.base_url) as client:
        await sign_in(client)
        value = client.cookies[SESSION_COOKIE]
        client.cookies.set(
            SESSION_COOKIE,
            value[:-2] + ("AA" if not value.endswith("AA") else "BB"),
            path="/dashboard",
        )
        page = await client.get("/dashboard/")
        assert page.status_code == 303
        assert _set_cookie(page, "hub_session=") is not None  # and the browser is told to drop it


async def test_never_an_open_redirect(seeded_suite: Suite) -> None:
    async with browser(seeded_suite.base_url) as client:
        for target in ("https://elsewhere.example/", "//elsewhere.example/", "/api/v1/kpis"):
            response = await sign_in(client, next_=target)
            assert response.headers["location"] == "/dashboard/", target


async def test_a_managed_keys_districts_apply_and_revoking_it_ends_its_sessions(
    gateway: httpx.AsyncClient, seeded_suite: Suite
) -> None:
    for area in ("NSM-01", "BRS-01"):
        logged = await gateway.post("/api/v1/activities", json=activity_payload(area=area))
        assert logged.status_code == 201, logged.text
    created = await make_key(
        gateway, scopes=["kpi:read", "activity:read"], districts=["NSM"], name="north board"
    )
    async with browser(seeded_suite.base_url) as client:
        assert (await sign_in(client, key=created["key"])).status_code == 303
        home = await client.get("/dashboard/")
        assert f"Signed in as key:{created['id']}" in home.text
        page = await client.get("/dashboard/activity", params={"period": "2022-09"})
        assert page.status_code == 200
        options = set(re.findall(r'<option value="([^"]+)"', page.text))
        assert options == {"NSM", "NSM-01", "NSM-02"}
        by_area = await client.get(
            "/dashboard/activity", params={"period": "2022-09", "download": "engagement-by-area"}
        )
        assert by_area.status_code == 200
        areas = {line.split(",")[0] for line in by_area.text.lstrip("\ufeff").splitlines()[1:]}
        assert areas == {"NSM-01", "NSM-02"}
        # Another district's area: the dashboard answers as the API does (an unknown area).
        other = await client.get(
            "/dashboard/scorecard", params={"period": "2022-Q3", "area": "BRS"}
        )
        api = await gateway.get(
            "/api/v1/kpis/scorecard",
            params={"period": "2022-Q3", "area": "BRS"},
            headers=as_key(created),
        )
        assert api.status_code == other.status_code == 422
        assert (await client.get("/dashboard/survey")).status_code == 403  # no survey:read

        revoked = await gateway.delete(f"{KEYS}/{created['id']}")
        assert revoked.status_code in (200, 204)
        after = await client.get("/dashboard/")
        assert after.status_code == 303
        assert after.headers["location"].startswith("/dashboard/sign-in")
        client.cookies.clear()
        assert (await sign_in(client, key=created["key"])).status_code == 401


async def test_an_expired_key_ends_its_sessions_and_signs_nobody_in(
    gateway: httpx.AsyncClient, seeded_suite: Suite
) -> None:
    expires = datetime.now(UTC) + timedelta(seconds=3)
    created = await make_key(gateway, scopes=["kpi:read"], expires_at=expires.isoformat())
    async with browser(seeded_suite.base_url) as client:
        assert (await sign_in(client, key=created["key"])).status_code == 303
        assert (await client.get("/dashboard/scorecard")).status_code == 200
        assert (await client.get("/dashboard/activity")).status_code == 403  # no activity:read
        await asyncio.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.5)
        assert (await client.get("/dashboard/scorecard")).status_code == 303
        client.cookies.clear()
        assert (await sign_in(client, key=created["key"])).status_code == 401


def test_cookies_are_secure_over_https_and_sessions_expire() -> None:
    hub = HubSettings()
    sessions = Sessions(GatewaySettings(dashboard_session_hours=1), hub)
    _, value = sessions.for_key(Principal("bootstrap"))
    assert "secure" in sessions.cookie(SESSION_COOKIE, value, https=True).decode().lower()
    assert "secure" not in sessions.cookie(SESSION_COOKIE, value, https=False).decode().lower()
    assert sessions.read(value) is not None
    sessions.max_age = 0
    time.sleep(1.1)
    assert sessions.read(value) is None
    for garbage in ("", "garbage", "a.b.c"):
        assert sessions.read(garbage) is None
