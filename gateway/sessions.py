"""Dashboard sessions, kept by the gateway: signed cookies (itsdangerous) that name who signed
in, and the CSRF tokens of the dashboard's forms.

A session cookie holds the sign-in's kind and, for an API key, only the key's id: each page
request looks the key up again (`Access.key_principal`, a cached read checked against the key
store's version), so a revoked or expired key ends its sessions at once. For an OpenID Connect
sign-in it holds the scopes and districts mapped from the id token's claims. It never holds a
secret. Cookies are HttpOnly, SameSite=Strict, path `/dashboard`, with an expiry, and Secure
over HTTPS; the OpenID Connect flow's own short cookie is SameSite=Lax, because the provider
sends the browser back with a cross-site redirect.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

from gateway.config import GatewaySettings
from shared.auth import Principal
from shared.settings import HubSettings

logger = logging.getLogger("hub.gateway.sessions")

SESSION_COOKIE = "hub_session"
CSRF_COOKIE = "hub_csrf"
FLOW_COOKIE = "hub_oidc_flow"
COOKIE_PATH = "/dashboard"
FLOW_PATH = "/dashboard/sign-in/oidc"
CSRF_MAX_AGE_S = 3600
FLOW_MAX_AGE_S = 600  # time enough to sign in at the provider


@dataclass(frozen=True)
class Session:
    """A signed-in browser: a key id (`kind` "key") or an OpenID Connect user ("oidc")."""

    kind: str
    key_id: str
    csrf: str
    scopes: frozenset[str] = frozenset()
    districts: frozenset[str] | None = None


@dataclass(frozen=True)
class Flow:
    """One OpenID Connect sign-in under way (its PKCE verifier, state and nonce)."""

    state: str
    nonce: str
    verifier: str
    next: str


def _secret(settings: GatewaySettings, hub: HubSettings) -> str:
    if settings.dashboard_secret is not None and settings.dashboard_secret.get_secret_value():
        return settings.dashboard_secret.get_secret_value()
    if hub.internal_secret is not None and hub.internal_secret.get_secret_value():
        # Already the same on every replica; itsdangerous derives its own key per salt.
        return hub.internal_secret.get_secret_value()
    logger.warning("no GATEWAY_DASHBOARD_SECRET or HUB_INTERNAL_SECRET: sessions last this process")
    return secrets.token_urlsafe(32)


class Sessions:
    def __init__(self, settings: GatewaySettings, hub: HubSettings) -> None:
        secret = _secret(settings, hub)
        self.max_age = int(settings.dashboard_session_hours * 3600)
        self.secure = settings.dashboard_secure_cookies
        self._session = URLSafeTimedSerializer(secret, salt="hub.gateway.dashboard.session")
        self._csrf = URLSafeTimedSerializer(secret, salt="hub.gateway.dashboard.csrf")
        self._flow = URLSafeTimedSerializer(secret, salt="hub.gateway.dashboard.oidc-flow")

    # --- sessions --------------------------------------------------------------------------

    def for_key(self, principal: Principal) -> tuple[Session, str]:
        session = Session("key", principal.key_id, secrets.token_urlsafe(24))
        return session, self._session.dumps({"t": "key", "k": principal.key_id, "c": session.csrf})

    def for_user(self, principal: Principal) -> tuple[Session, str]:
        districts = None if principal.districts is None else sorted(principal.districts)
        session = Session(
            "oidc",
            principal.key_id,
            secrets.token_urlsafe(24),
            principal.scopes,
            None if districts is None else frozenset(districts),
        )
        value = self._session.dumps(
            {
                "t": "oidc",
                "k": principal.key_id,
                "c": session.csrf,
                "s": sorted(principal.scopes),
                "d": districts,
            }
        )
        return session, value

    def read(self, value: str | None) -> Session | None:
        data = self._loads(self._session, value, self.max_age)
        if not isinstance(data, dict) or data.get("t") not in ("key", "oidc"):
            return None
        districts = data.get("d")
        return Session(
            str(data["t"]),
            str(data["k"]),
            str(data["c"]),
            frozenset(str(s) for s in data.get("s") or ()),
            None if districts is None else frozenset(str(d) for d in districts),
        )

    # --- CSRF tokens of the sign-in form (a signed-in form uses its session's) ---------------

    def new_csrf(self) -> tuple[str, str]:
        """(cookie value, the token for the form's hidden field)."""
        token = secrets.token_urlsafe(24)
        return self._csrf.dumps(token), token

    def csrf_token(self, cookie: str | None) -> str | None:
        token = self._loads(self._csrf, cookie, CSRF_MAX_AGE_S)
        return token if isinstance(token, str) else None

    # --- the OpenID Connect flow -----------------------------------------------------------

    def new_flow(self, next_: str) -> tuple[Flow, str]:
        flow = Flow(
            secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64), next_
        )
        return flow, self._flow.dumps([flow.state, flow.nonce, flow.verifier, flow.next])

    def read_flow(self, value: str | None) -> Flow | None:
        data = self._loads(self._flow, value, FLOW_MAX_AGE_S)
        if not isinstance(data, list) or len(data) != 4:
            return None
        return Flow(*(str(v) for v in data))

    # --- cookies ---------------------------------------------------------------------------

    def cookie(
        self,
        name: str,
        value: str | None,
        *,
        https: bool,
        max_age: int = 0,
        path: str = COOKIE_PATH,
    ) -> bytes:
        """A `Set-Cookie` header value; `value` None deletes the cookie."""
        holder = Response()
        holder.set_cookie(
            name,
            value or "",
            max_age=max_age if value is not None else 0,
            expires=None if value is not None else 0,
            path=path,
            httponly=True,
            samesite="lax" if name == FLOW_COOKIE else "strict",
            secure=self.secure if self.secure is not None else https,
        )
        return next(v for k, v in holder.raw_headers if k == b"set-cookie")

    @staticmethod
    def _loads(serializer: URLSafeTimedSerializer, value: str | None, max_age: int) -> Any:
        if not value:
            return None
        try:
            return serializer.loads(value, max_age=max_age)
        except BadSignature:  # a tampered, foreign or expired (SignatureExpired) value
            return None


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)), unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
