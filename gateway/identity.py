"""What the gateway passes on about its caller: a short-lived signed identity (see
`shared.auth.IdentitySigner`) instead of the caller's own credentials."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from shared.auth import IDENTITY_HEADER, IdentitySigner, Principal

# Client credentials never reach a service; nor does an identity a client made up.
CREDENTIAL_HEADERS = frozenset({b"authorization", b"x-api-key", IDENTITY_HEADER.lower().encode()})


def internal_secret(data_dir: Path) -> str:
    """`HUB_INTERNAL_SECRET`, or one made once for this data dir and kept in a 0600 file
    (as the dev API key is), so `hub up` needs no set-up."""
    configured = os.environ.get("HUB_INTERNAL_SECRET")
    if configured:
        return configured
    path = data_dir / "internal-secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return secret


class IdentityForwarder:
    """Builds the identity header of one proxied request."""

    def __init__(self, signer: IdentitySigner | None) -> None:
        self.signer = signer

    def header(self, principal: Principal, request_id: str | None) -> tuple[str, str] | None:
        if self.signer is None:
            return None  # no secret configured: the services will refuse (401), as they must
        return (IDENTITY_HEADER.lower(), self.signer.sign(principal, request_id))
