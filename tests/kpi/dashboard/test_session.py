"""Who the dashboard's pages serve: the caller the gateway forwards (a signed identity), with
its scopes and districts applied as on the API. Signing in itself (cookies, CSRF, expiry, keys,
OpenID Connect) is the gateway's: `tests/gateway/test_access_dashboard*.py`."""

from __future__ import annotations

import csv
import io
import re

import httpx

from shared.auth import IDENTITY_HEADER, IdentitySigner, Principal
from tests.conftest import TEST_API_KEY
from tests.kpi.dashboard.conftest import FORM_TOKEN, World, as_caller, browser


async def test_pages_need_a_session(world: World) -> None:
    async with browser(world) as client:
        page = await client.get("/dashboard/survey?question=informed")
        assert page.status_code == 303
        assert (
            page.headers["location"]
            == "/dashboard/sign-in?next=%2Fdashboard%2Fsurvey%3Fquestion%3Dinformed"
        )


async def test_a_key_or_a_forged_identity_sent_to_the_service_signs_nobody_in(
    world: World,
) -> None:
    forged = IdentitySigner("another-secret-" + "z" * 32).sign(Principal("bootstrap"), None)
    async with browser(world) as client:
        for headers in ({"X-API-Key": TEST_API_KEY}, {IDENTITY_HEADER: forged}):
            page = await client.get("/dashboard/", headers=headers)
            assert page.status_code == 303, headers
            assert page.headers["location"].startswith("/dashboard/sign-in")


async def test_the_sign_in_form_carries_the_gateways_token_and_reason(world: World) -> None:
    async with browser(world) as client:
        form = await client.get(
            "/dashboard/sign-in",
            params={"next": "/dashboard/activity"},
            headers={"x-hub-csrf": "token-from-the-gateway"},
        )
        assert form.status_code == 200
        assert 'name="csrf" value="token-from-the-gateway"' in form.text
        assert 'name="next" value="/dashboard/activity"' in form.text
        assert "/dashboard/sign-in/oidc" not in form.text  # no provider configured
        for reason, status, words in (
            ("invalid_key", 401, "That API key is not valid."),
            ("expired_form", 403, "The form had expired"),
            ("too_many_attempts", 429, "Too many failed sign-ins"),
            ("oidc_failed", 401, "did not complete"),
        ):
            page = await client.get("/dashboard/sign-in", headers={"x-hub-sign-in-error": reason})
            assert page.status_code == status, reason
            assert words in page.text, reason
        made_up = await client.get("/dashboard/sign-in", headers={"x-hub-sign-in-error": "<b>"})
        assert made_up.status_code == 200
        assert "<b>" not in made_up.text
        offered = await client.get(
            "/dashboard/sign-in",
            params={"next": "/dashboard/survey?question=have_say"},
            headers={"x-hub-sign-in-provider": "Force sign-on"},
        )
        assert "Sign in with Force sign-on" in offered.text
        assert (
            'href="/dashboard/sign-in/oidc?next=%2Fdashboard%2Fsurvey%3Fquestion%3Dhave_say"'
            in offered.text
        )


async def test_signed_in_pages_carry_the_sessions_form_token(world: World) -> None:
    async with as_caller(world) as client:
        home = await client.get("/dashboard/")
        assert home.status_code == 200
        assert "Signed in as bootstrap" in home.text
        assert f'name="csrf" value="{FORM_TOKEN}"' in home.text
        moved_on = await client.get("/dashboard/signed-in", params={"next": "/dashboard/survey"})
        assert moved_on.status_code == 200
        assert '<meta http-equiv="refresh" content="0; url=/dashboard/survey">' in moved_on.text
        elsewhere = await client.get(
            "/dashboard/signed-in", params={"next": "https://elsewhere.example/"}
        )
        assert 'url=/dashboard/"' in elsewhere.text  # never an open redirect
        refused = await client.get(
            "/dashboard/sign-out", headers={"x-hub-sign-in-error": "forged_sign_out"}
        )
        assert refused.status_code == 403
        assert "did not come from this site" in refused.text


async def test_the_keys_scopes_apply(world: World) -> None:
    async with as_caller(world, ["survey:read"], caller="key:survey") as client:
        home = await client.get("/dashboard/")
        assert 'href="/dashboard/survey"' in home.text
        assert 'href="/dashboard/activity"' not in home.text
        assert (await client.get("/dashboard/survey")).status_code == 200
        for path in ("/dashboard/activity", "/dashboard/report", "/dashboard/scorecard"):
            denied = await client.get(path)
            assert denied.status_code == 403, path
            assert "activity:read" in denied.text or "kpi:read" in denied.text


def _csv(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text[:300]
    return list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))


async def test_a_district_limited_caller_sees_only_its_districts(world: World) -> None:
    async with as_caller(world, ["*"], districts=["DA"], caller="key:north") as client:
        page = await client.get("/dashboard/activity", params={"period": "2022-Q3"})
        assert page.status_code == 200
        options = set(re.findall(r'<option value="([^"]+)"', page.text))
        assert {"DA", "NA-01", "NA-02"} <= options
        assert not options & {"DB", "NB-01", "NB-02", "NB-03"}
        by_area = await client.get(
            "/dashboard/activity", params={"period": "2022-Q3", "download": "engagement-by-area"}
        )
        assert {r[0] for r in _csv(by_area)[1:]} == {"NA-01", "NA-02"}
        # Another district's area is an unknown area, as the API answers it.
        other = await client.get("/dashboard/activity", params={"period": "2022-Q3", "area": "DB"})
        assert other.status_code == 422
        api = await client.get("/api/v1/kpis/scorecard", params={"period": "2022-Q3", "area": "DB"})
        assert api.status_code == 422
        card = await client.get("/dashboard/scorecard", params={"period": "2022-Q3", "area": "DB"})
        assert card.status_code == 422
        # Without an area, the dashboard's scorecard is the API's for this caller: its district.
        mine = _csv(
            await client.get(
                "/dashboard/scorecard", params={"period": "2022-Q3", "download": "scorecard"}
            )
        )
        theirs = (await client.get("/api/v1/kpis/scorecard", params={"period": "2022-Q3"})).json()
        values = {
            k["code"]: "" if k["value"] is None else str(k["value"])
            for p in theirs["pillars"]
            for o in p["objectives"]
            for out in o["outputs"]
            for k in out["kpis"]
        }
        assert {r[3]: r[5] for r in mine[1:]} == values
    async with as_caller(world) as whole_force:
        force = _csv(
            await whole_force.get(
                "/dashboard/scorecard", params={"period": "2022-Q3", "download": "scorecard"}
            )
        )
        assert {r[3]: r[5] for r in force[1:]} != values  # not the force's figures
