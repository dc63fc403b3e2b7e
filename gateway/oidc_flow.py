"""Dashboard sign-in with OpenID Connect: the authorization-code flow with PKCE (S256).

`authorization_redirect` sends the browser to the provider with a fresh state, nonce and code
challenge (kept in the flow's own signed cookie); `complete` checks the state, trades the code
and the verifier for tokens at the token endpoint (httpx) and verifies the id token with the
same JWKS, issuer and leeway as bearer tokens (`gateway/tokens.py`), for the configured
audience or the dashboard's client id, with the nonce of this flow. Scopes and districts are
mapped from its claims exactly as for a bearer token.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import httpx
import jwt

from gateway.config import GatewaySettings
from gateway.sessions import Flow, pkce_challenge, same
from gateway.tokens import TokenVerifier
from shared.auth import Principal

logger = logging.getLogger("hub.gateway.oidc")

CALLBACK_PATH = "/dashboard/sign-in/oidc/callback"
TOKEN_TIMEOUT_S = 5.0


class SignInFailed(Exception):
    """The flow did not end in a verified sign-in; the reason goes to the log only."""


class OidcSignIn:
    def __init__(self, settings: GatewaySettings, tokens: TokenVerifier) -> None:
        self.settings = settings
        self.tokens = tokens

    def redirect_uri(self, scheme: str, host: str) -> str:
        return self.settings.oidc_redirect_url or f"{scheme}://{host}{CALLBACK_PATH}"

    def authorization_redirect(self, flow: Flow, redirect_uri: str) -> str:
        s = self.settings
        assert s.oidc_authorization_url is not None
        assert s.oidc_client_id is not None
        query = urlencode(
            {
                "response_type": "code",
                "client_id": s.oidc_client_id,
                "redirect_uri": redirect_uri,
                "scope": s.oidc_sign_in_scopes,
                "state": flow.state,
                "nonce": flow.nonce,
                "code_challenge": pkce_challenge(flow.verifier),
                "code_challenge_method": "S256",
            }
        )
        separator = "&" if "?" in s.oidc_authorization_url else "?"
        return f"{s.oidc_authorization_url}{separator}{query}"

    async def complete(
        self, flow: Flow | None, state: str | None, code: str | None, redirect_uri: str
    ) -> Principal:
        if flow is None:
            raise SignInFailed("no sign-in under way (the flow cookie is missing or expired)")
        if not same(flow.state, state):
            raise SignInFailed("the state does not match this browser's sign-in")
        if not code:
            raise SignInFailed("the provider sent no code")
        id_token = await self._exchange(code, flow.verifier, redirect_uri)
        s = self.settings
        audiences = [a for a in (s.oidc_audience, s.oidc_client_id) if a]
        try:
            claims = await self.tokens.verified_claims(id_token, audience=audiences)
        except jwt.PyJWTError as exc:
            raise SignInFailed(f"the id token is not valid: {exc}") from exc
        if not same(str(claims.get("nonce") or ""), flow.nonce):
            raise SignInFailed("the id token's nonce is not this sign-in's")
        authorised_party = claims.get("azp")
        if authorised_party is not None and authorised_party != s.oidc_client_id:
            raise SignInFailed("the id token was issued to another client")
        return self.tokens.principal_of(claims)

    async def _exchange(self, code: str, verifier: str, redirect_uri: str) -> str:
        s = self.settings
        assert s.oidc_token_url is not None
        assert s.oidc_client_id is not None
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": s.oidc_client_id,
            "code_verifier": verifier,
        }
        if s.oidc_client_secret is not None:
            form["client_secret"] = s.oidc_client_secret.get_secret_value()
        try:
            async with httpx.AsyncClient(timeout=TOKEN_TIMEOUT_S, trust_env=False) as client:
                response = await client.post(
                    s.oidc_token_url, data=form, headers={"Accept": "application/json"}
                )
        except httpx.HTTPError as exc:
            raise SignInFailed(f"the token endpoint is unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise SignInFailed(f"the token endpoint answered {response.status_code}")
        try:
            id_token = response.json().get("id_token")
        except ValueError as exc:
            raise SignInFailed("the token endpoint's answer is not JSON") from exc
        if not isinstance(id_token, str) or not id_token:
            raise SignInFailed("the token endpoint sent no id token")
        return id_token
