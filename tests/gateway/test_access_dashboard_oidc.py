"""Signing in to the dashboard with OpenID Connect, through real processes: the suite, a
gateway configured for a test identity provider, and that provider (`tests/support/idp.py`, a
process of its own, signing with keys made for the test). The authorization-code flow with
PKCE (S256), state and nonce checked, the id token verified with the gateway's JWKS, issuer
and audience settings, scopes and districts mapped from claims exactly as for bearer tokens."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.idp import IdentityProvider, start_idp
from tests.support.processes import Gateway, Suite, start_gateway

ROLE_SCOPES = {"board": ["kpi:read", "activity:read"], "inspector": ["activity:read"]}


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityProvider]:
    provider = start_idp(tmp_path_factory.mktemp("idp"))
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture(scope="module")
def oidc_gateway(
    seeded_suite: Suite,
    suite_env: dict[str, str],
    idp: IdentityProvider,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Gateway]:
    env = idp.gateway_env(ROLE_SCOPES)
    if "GATEWAY_DATABASE_URL" in suite_env:
        env["GATEWAY_DATABASE_URL"] = suite_env["GATEWAY_DATABASE_URL"]
    running = start_gateway(seeded_suite, tmp_path_factory.mktemp("oidc-gateway"), env)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
async def browser(oidc_gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=oidc_gateway.base_url, timeout=30) as client:
        yield client


async def authorize(
    idp: IdentityProvider, browser: httpx.AsyncClient
) -> tuple[str, dict[str, str]]:
    """Start at the dashboard, sign in at the provider: (the callback URL, what was asked)."""
    start = await browser.get("/dashboard/sign-in/oidc", params={"next": "/dashboard/activity"})
    assert start.status_code == 303
    location = start.headers["location"]
    assert location.startswith(f"{idp.issuer}/authorize?")
    asked = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    async with httpx.AsyncClient(timeout=10) as elsewhere:  # the provider's site: no cookies
        approved = await elsewhere.get(location.replace(idp.issuer, idp.local_url))
    assert approved.status_code == 302, approved.text
    return approved.headers["location"], asked


async def oidc_sign_in(idp: IdentityProvider, browser: httpx.AsyncClient) -> httpx.Response:
    callback, _ = await authorize(idp, browser)
    return await browser.get(callback)


def _set_cookie(response: httpx.Response, name: str) -> str | None:
    return next(
        (v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(name)),
        None,
    )


async def test_the_code_flow_with_pkce_signs_in_with_the_claims_scopes_and_districts(
    idp: IdentityProvider, browser: httpx.AsyncClient, oidc_gateway: Gateway
) -> None:
    idp.sign_in_as({"sub": "board-member-7", "roles": ["board"], "hub_districts": ["NSM"]})
    offered = await browser.get("/dashboard/sign-in")
    assert "Sign in with Test force sign-on" in offered.text

    start = await browser.get("/dashboard/sign-in/oidc", params={"next": "/dashboard/activity"})
    flow_cookie = _set_cookie(start, "hub_oidc_flow=")
    assert flow_cookie is not None
    # The provider's redirect back is cross-site: this cookie is Lax, short-lived, narrow.
    for attribute in ("httponly", "samesite=lax", "max-age=600", "path=/dashboard/sign-in/oidc"):
        assert attribute in flow_cookie.lower(), attribute
    asked = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["location"]).query).items()}
    assert asked["response_type"] == "code"
    assert asked["client_id"] == idp.client_id
    assert asked["code_challenge_method"] == "S256"
    assert asked["redirect_uri"] == f"{oidc_gateway.base_url}/dashboard/sign-in/oidc/callback"
    assert len(asked["state"]) >= 32
    assert len(asked["nonce"]) >= 32
    async with httpx.AsyncClient(timeout=10) as elsewhere:
        approved = await elsewhere.get(start.headers["location"].replace(idp.issuer, idp.local_url))
    done = await browser.get(approved.headers["location"])

    assert done.status_code == 200, done.text
    assert '<meta http-equiv="refresh" content="0; url=/dashboard/activity">' in done.text
    session = _set_cookie(done, "hub_session=")
    assert session is not None
    assert "samesite=strict" in session.lower()
    assert "httponly" in session.lower()
    spent = _set_cookie(done, "hub_oidc_flow=")
    assert spent is not None
    assert "max-age=0" in spent.lower()  # the flow is good once
    # The token endpoint got the verifier whose S256 digest the browser carried, and the id
    # token the nonce of this flow.
    sent = idp.issued()[-1]
    verifier = sent["form"]["code_verifier"]
    digest = hashlib.sha256(verifier.encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == asked["code_challenge"]
    assert verifier not in start.headers["location"]

    home = await browser.get("/dashboard/")
    assert "Signed in as user:board-member-7" in home.text
    page = await browser.get("/dashboard/activity", params={"period": "2022-09"})
    assert page.status_code == 200
    assert set(re.findall(r'<option value="([^"]+)"', page.text)) == {"NSM", "NSM-01", "NSM-02"}
    assert (await browser.get("/dashboard/survey")).status_code == 403  # the role gives none
    # The same identity as the provider's token on the API: the same answers.
    bearer = {"Authorization": f"Bearer {sent['id_token']}"}
    for params in ({"period": "2022-Q3", "area": "BRS"}, {"period": "2022-Q3", "area": "NSM"}):
        api = await browser.get("/api/v1/kpis/scorecard", params=params, headers=bearer)
        card = await browser.get("/dashboard/scorecard", params=params)
        assert card.status_code == api.status_code, params
    assert api.status_code == 200

    form = re.search(r'name="csrf" value="([^"]+)"', home.text)
    assert form is not None
    out = await browser.post("/dashboard/sign-out", files={"csrf": (None, form.group(1))})
    assert out.status_code == 303
    browser.cookies.clear()
    assert (await browser.get("/dashboard/")).status_code == 303


async def test_a_caller_without_kpi_read_is_refused_the_kpi_pages(
    idp: IdentityProvider, browser: httpx.AsyncClient
) -> None:
    idp.sign_in_as({"sub": "inspector-2", "roles": ["inspector"]})
    assert (await oidc_sign_in(idp, browser)).status_code == 200
    for path in ("/dashboard/scorecard", "/dashboard/report", "/dashboard/scorecard/opcc_have_say"):
        refused = await browser.get(path)
        assert refused.status_code == 403, path
        assert "kpi:read" in refused.text
    assert (await browser.get("/dashboard/activity")).status_code == 200


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text[:300]
    assert "did not complete" in response.text
    assert _set_cookie(response, "hub_session=") is None


async def test_a_wrong_state_or_no_flow_signs_nobody_in(
    idp: IdentityProvider, browser: httpx.AsyncClient, oidc_gateway: Gateway
) -> None:
    idp.sign_in_as({"sub": "analyst-1", "roles": ["board"]})
    callback, _ = await authorize(idp, browser)
    _refused(await browser.get(re.sub(r"state=[^&]+", "state=forged", callback)))
    # Another browser (no flow cookie) bringing this one's callback: nobody.
    callback, _ = await authorize(idp, browser)
    async with httpx.AsyncClient(base_url=oidc_gateway.base_url, timeout=30) as other:
        _refused(await other.get(callback))


async def test_a_code_of_another_flow_fails_pkce(
    idp: IdentityProvider, browser: httpx.AsyncClient, oidc_gateway: Gateway
) -> None:
    """An attacker's code pasted into a victim's flow: the victim's verifier does not match."""
    idp.sign_in_as({"sub": "attacker", "roles": ["board"]})
    async with httpx.AsyncClient(base_url=oidc_gateway.base_url, timeout=30) as attacker:
        theirs, _ = await authorize(idp, attacker)
    mine, _ = await authorize(idp, browser)
    their_code = parse_qs(urlsplit(theirs).query)["code"][0]
    _refused(await browser.get(re.sub(r"code=[^&]+", f"code={their_code}", mine)))
    assert idp.issued()[-1].get("id_token") is None  # the provider refused the exchange


@pytest.mark.parametrize(
    "misbehaviour",
    [{"nonce": "another-flows-nonce"}, {"exp_offset_s": -3600}, {"rogue_key": True}],
    ids=["wrong-nonce", "expired", "bad-signature"],
)
async def test_an_id_token_that_does_not_verify_signs_nobody_in(
    idp: IdentityProvider, browser: httpx.AsyncClient, misbehaviour: dict[str, object]
) -> None:
    idp.sign_in_as({"sub": "analyst-1", "roles": ["board"], **misbehaviour})
    _refused(await oidc_sign_in(idp, browser))
    assert (await browser.get("/dashboard/")).status_code == 303
