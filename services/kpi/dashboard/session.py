"""Who is signed in to the dashboard: the gateway says so, as it does for the API.

The gateway takes the sign-in (an API key, or OpenID Connect), keeps the session cookie and
passes each page request on with the caller's signed identity (`X-Hub-Identity`,
`shared.auth.IdentitySigner`), exactly as an API request carries it (`gateway/pages.py`). The
pages check it as any identity is checked and set `request.state.principal`, so the figures
are read on the caller's behalf: its scopes and districts apply as on the API. A request
without one is nobody (the sign-in page); a key sent straight to this service signs nobody in.

The gateway also tells the pages the token their forms must carry (`x-hub-csrf`; it checks
it on the form's POST) and why a sign-in failed (`x-hub-sign-in-error`, one of `REASONS`).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from shared.auth import IDENTITY_HEADER, IdentitySigner, Principal
from shared.problems import ProblemError
from shared.settings import HubSettings

SIGN_IN = "/dashboard/sign-in"
OIDC_SIGN_IN = "/dashboard/sign-in/oidc"
CSRF_HEADER = "x-hub-csrf"
ERROR_HEADER = "x-hub-sign-in-error"
PROVIDER_HEADER = "x-hub-sign-in-provider"

# Why the gateway refused a sign-in: (status, what the page says).
REASONS: dict[str, tuple[int, str]] = {
    "invalid_key": (401, "That API key is not valid."),
    "expired_form": (403, "The form had expired or did not come from this site; try again."),
    "too_many_attempts": (429, "Too many failed sign-ins from here; wait a minute, then retry."),
    "oidc_failed": (401, "Signing in with your organisation's account did not complete; retry."),
}


@dataclass(frozen=True)
class Session:
    principal: Principal
    csrf: str


def _signer(request: Request) -> IdentitySigner | None:
    signer: IdentitySigner | None = getattr(request.app.state, "identity_signer", None)
    if signer is None:
        signer = IdentitySigner.from_settings(HubSettings())
        request.app.state.identity_signer = signer
    return signer


def session_of(request: Request) -> Session | None:
    """The signed-in caller the gateway forwarded, or None."""
    token = request.headers.get(IDENTITY_HEADER)
    signer = _signer(request)
    if not token or signer is None:
        return None
    try:
        principal = signer.verify(token)
    except ProblemError:
        return None
    # The source clients read on behalf of `request.state.principal` (its districts).
    request.state.principal = principal
    return Session(principal, csrf_token(request))


def csrf_token(request: Request) -> str:
    return request.headers.get(CSRF_HEADER, "")


def sign_in_error(request: Request) -> tuple[int, str] | None:
    return REASONS.get(request.headers.get(ERROR_HEADER, ""))


def oidc_provider(request: Request) -> str | None:
    """The provider's name when the gateway offers OpenID Connect sign-in."""
    return request.headers.get(PROVIDER_HEADER) or None
