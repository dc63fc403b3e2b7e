"""Dashboard sign-in: an API key in, a signed session cookie out (HttpOnly, SameSite=Strict,
with an expiry); CSRF tokens for the sign-in and sign-out forms.

The cookie holds who signed in and their scopes, signed with itsdangerous (tamper-evident,
timestamped: older than the expiry is refused); never the key itself. The key is checked by
:func:`check_api_key` alone, so the key store can be switched in one place.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.auth import Principal

logger = logging.getLogger("hub.kpi.dashboard")

SESSION_COOKIE = "hub_session"
CSRF_COOKIE = "hub_csrf"
SIGN_IN = "/dashboard/sign-in"


class DashboardSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("KPI_DASHBOARD_SECRET"),
        description="Signs the session cookies; the same on every KPI instance. Unset: a "
        "random one per process (sessions end when it restarts).",
    )
    session_hours: float = Field(
        default=8.0, gt=0, le=24 * 7, validation_alias=AliasChoices("KPI_DASHBOARD_SESSION_HOURS")
    )


@dataclass(frozen=True)
class Session:
    principal: Principal
    csrf: str


def check_api_key(request: Request, secret: str) -> Principal | None:
    """The one place the dashboard checks a key: the service's key store, as the API does."""
    principal: Principal | None = request.app.state.key_store.lookup(secret)
    return principal


class Signer:
    def __init__(self, settings: DashboardSettings) -> None:
        secret = settings.secret.get_secret_value() if settings.secret else ""
        if not secret:
            logger.warning("KPI_DASHBOARD_SECRET is not set: dashboard sessions last this process")
            secret = secrets.token_urlsafe(32)
        self.max_age = int(settings.session_hours * 3600)
        self._session = URLSafeTimedSerializer(secret, salt="hub.dashboard.session")
        self._csrf = URLSafeTimedSerializer(secret, salt="hub.dashboard.csrf")

    def session_cookie(self, principal: Principal) -> tuple[str, str]:
        """(cookie value, its CSRF token)."""
        token = secrets.token_urlsafe(24)
        value = self._session.dumps(
            {"k": principal.key_id, "s": sorted(principal.scopes), "c": token}
        )
        return value, token

    def read_session(self, value: str | None) -> Session | None:
        if not value:
            return None
        try:
            data: dict[str, Any] = self._session.loads(value, max_age=self.max_age)
        except BadSignature:  # also an expired one (SignatureExpired is a BadSignature)
            return None
        return Session(Principal(str(data["k"]), frozenset(data["s"])), str(data["c"]))

    def csrf_cookie(self) -> tuple[str, str]:
        """A fresh sign-in form token: (cookie value, the token for the hidden field)."""
        token = secrets.token_urlsafe(24)
        return self._csrf.dumps(token), token

    def csrf_matches(self, cookie: str | None, submitted: str | None) -> bool:
        if not cookie or not submitted:
            return False
        try:
            token = self._csrf.loads(cookie, max_age=3600)
        except BadSignature:
            return False
        return hmac.compare_digest(str(token), submitted)


def signer_of(request: Request) -> Signer:
    signer: Signer | None = getattr(request.app.state, "dashboard_signer", None)
    if signer is None:
        signer = Signer(DashboardSettings())
        request.app.state.dashboard_signer = signer
    return signer


def secure_cookies(request: Request) -> bool:
    """Secure cookies when the browser reached us over HTTPS (directly or via the gateway)."""
    forwarded = request.headers.get("x-forwarded-proto", request.url.scheme)
    return forwarded.split(",")[0].strip() == "https"


def cookie_options(request: Request, max_age: int) -> dict[str, Any]:
    return {
        "max_age": max_age,
        "path": "/dashboard",
        "httponly": True,
        "samesite": "strict",
        "secure": secure_cookies(request),
    }
