"""Signing in to the dashboard: an API key into a signed, HttpOnly, SameSite=Strict cookie with
an expiry; CSRF tokens on the sign-in and sign-out forms; the key's scopes apply."""

from __future__ import annotations

import re
import time

import pytest

from services.kpi.dashboard.session import DashboardSettings, Signer
from shared.auth import Principal
from tests.kpi.dashboard.conftest import World, browser, sign_in


async def test_pages_need_a_session(world: World) -> None:
    async with browser(world) as client:
        page = await client.get("/dashboard/survey?question=informed")
        assert page.status_code == 303
        assert (
            page.headers["location"]
            == "/dashboard/sign-in?next=%2Fdashboard%2Fsurvey%3Fquestion%3Dinformed"
        )


async def test_sign_in_sets_a_signed_strict_httponly_cookie_and_sign_out_ends_it(
    world: World,
) -> None:
    async with browser(world) as client:
        signed_in = await sign_in(client, next_="/dashboard/activity")
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/dashboard/activity"
        cookie = next(
            v
            for k, v in signed_in.headers.multi_items()
            if k == "set-cookie" and v.startswith("hub_session=")
        )
        attributes = cookie.lower()
        assert "httponly" in attributes
        assert "samesite=strict" in attributes
        assert "max-age=28800" in attributes
        assert "path=/dashboard" in attributes
        assert "test-key" not in cookie  # the key itself never goes into the cookie
        home = await client.get("/dashboard/")
        assert home.status_code == 200
        assert "Signed in as bootstrap" in home.text
        token = re.search(r'name="csrf" value="([^"]+)"', home.text)
        assert token is not None
        refused = await client.post("/dashboard/sign-out", files={"csrf": (None, "forged")})
        assert refused.status_code == 403
        assert (await client.get("/dashboard/")).status_code == 200
        out = await client.post("/dashboard/sign-out", files={"csrf": (None, token.group(1))})
        assert out.status_code == 303
        client.cookies.clear()  # the browser drops the cookie the answer deleted
        assert (await client.get("/dashboard/")).status_code == 303


async def test_a_wrong_key_or_a_forged_form_signs_nobody_in(world: World) -> None:
    async with browser(world) as client:
        wrong = await sign_in(client, key="not-a-key")
        assert wrong.status_code == 401
        assert "That API key is not valid." in wrong.text
        assert "hub_session" not in wrong.headers.get("set-cookie", "")
        forged = await client.post(
            "/dashboard/sign-in", files={"api_key": (None, "test-key"), "csrf": (None, "made-up")}
        )
        assert forged.status_code == 403
        assert "hub_session" not in forged.headers.get("set-cookie", "")


async def test_a_tampered_cookie_is_no_session(world: World) -> None:
    async with browser(world) as client:
        await sign_in(client)
        value = client.cookies["hub_session"]
        client.cookies.set(
            "hub_session",
            value[:-2] + ("AA" if not value.endswith("AA") else "BB"),
            path="/dashboard",
        )
        assert (await client.get("/dashboard/")).status_code == 303


async def test_never_an_open_redirect(world: World) -> None:
    async with browser(world) as client:
        response = await sign_in(client, next_="https://elsewhere.example/")
        assert response.headers["location"] == "/dashboard/"


async def test_the_keys_scopes_apply(world: World) -> None:
    survey_only = world.add_key("survey-reader-" + "q" * 20, "survey:read")["X-API-Key"]
    async with browser(world) as client:
        assert (await sign_in(client, key=survey_only)).status_code == 303
        home = await client.get("/dashboard/")
        assert 'href="/dashboard/survey"' in home.text
        assert 'href="/dashboard/activity"' not in home.text
        assert (await client.get("/dashboard/survey")).status_code == 200
        for path in ("/dashboard/activity", "/dashboard/report"):
            denied = await client.get(path)
            assert denied.status_code == 403, path
            assert "activity:read" in denied.text or "kpi:read" in denied.text


def test_sessions_expire() -> None:
    signer = Signer(DashboardSettings(secret="s" * 32, session_hours=1))
    value, _ = signer.session_cookie(Principal("k", frozenset({"kpi:read"})))
    assert signer.read_session(value) is not None
    signer.max_age = 0
    time.sleep(1.1)
    assert signer.read_session(value) is None


@pytest.mark.parametrize("value", ["", "garbage", "a.b.c"])
def test_garbage_is_no_session(value: str) -> None:
    assert Signer(DashboardSettings(secret="s" * 32)).read_session(value) is None
