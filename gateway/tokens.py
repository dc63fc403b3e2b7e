"""OpenID Connect bearer tokens for people: JWTs (RS256 / ES256) checked with PyJWT against
the identity provider's JWKS (a URL, fetched in a worker thread and cached, or a file), the
issuer, the audience and the expiry (with clock-skew leeway). Hub scopes come from the scope
claim and from roles mapped to scopes; districts from a claim of their own."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jwt

from gateway.config import GatewaySettings
from shared.auth import ALL_SCOPES, SCOPES, Principal, unauthorised

logger = logging.getLogger("hub.gateway.tokens")

ALGORITHMS = ["RS256", "ES256"]
# An unknown key id refetches the JWKS (the provider rotated its keys), but at most this often:
# tokens with made-up key ids must not turn the gateway against the identity provider.
REFETCH_MIN_S = 1.0


def looks_like_jwt(token: str) -> bool:
    return token.startswith("eyJ") and token.count(".") == 2


def _claim_values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return []


class TokenVerifier:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self._keys: dict[str, jwt.PyJWK] = {}
        self._loaded_at = 0.0
        self._refresh = asyncio.Lock()
        self._client = (
            jwt.PyJWKClient(settings.oidc_jwks_url, cache_jwk_set=False, timeout=5)
            if settings.oidc_jwks_url
            else None
        )
        if settings.oidc_jwks_file:
            self._keys = self._parse(Path(settings.oidc_jwks_file).read_text())
            self._loaded_at = time.monotonic()

    @staticmethod
    def _parse(document: str) -> dict[str, jwt.PyJWK]:
        key_set = jwt.PyJWKSet.from_json(document)
        return {key.key_id or "": key for key in key_set.keys}

    async def _key_for(self, kid: str) -> jwt.PyJWK | None:
        age = time.monotonic() - self._loaded_at
        stale = age > self.settings.oidc_jwks_refresh_s
        if self._client is not None and (stale or (kid not in self._keys and age > REFETCH_MIN_S)):
            async with self._refresh:
                age = time.monotonic() - self._loaded_at
                if age > self.settings.oidc_jwks_refresh_s or (
                    kid not in self._keys and age > REFETCH_MIN_S
                ):
                    await self._fetch()
        return self._keys.get(kid) or (self._keys.get("") if len(self._keys) == 1 else None)

    async def _fetch(self) -> None:
        assert self._client is not None
        try:
            # PyJWKClient fetches with urllib (blocking): in a worker thread.
            keys = await asyncio.to_thread(self._client.get_jwk_set, refresh=True)
        except jwt.PyJWKClientError as exc:
            logger.warning("could not fetch the JWKS: %s", exc)
            return
        self._keys = {key.key_id or "": key for key in keys.keys}
        self._loaded_at = time.monotonic()

    async def principal(self, token: str) -> Principal:
        try:
            claims = await self.verified_claims(token, audience=self.settings.oidc_audience)
        except jwt.PyJWTError as exc:
            raise unauthorised(f"The bearer token is not valid: {exc}.") from exc
        return self.principal_of(claims)

    async def verified_claims(
        self, token: str, *, audience: str | list[str] | None
    ) -> dict[str, Any]:
        """The claims of a token signed by the provider's JWKS, of the configured issuer, for
        `audience` (None: any), unexpired (with the leeway); a `jwt.PyJWTError` otherwise."""
        s = self.settings
        header = jwt.get_unverified_header(token)
        if header.get("alg") not in ALGORITHMS:
            raise jwt.InvalidAlgorithmError("algorithm not allowed")
        key = await self._key_for(str(header.get("kid") or ""))
        if key is None:
            raise jwt.InvalidKeyError("no key with this kid")
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=ALGORITHMS,
            audience=audience,
            issuer=s.oidc_issuer,
            leeway=s.oidc_leeway_s,
            options={
                "require": ["exp", "iat", "sub", "iss"] + (["aud"] if audience else []),
                "verify_aud": audience is not None,
            },
        )
        return claims

    def principal_of(self, claims: dict[str, Any]) -> Principal:
        s = self.settings
        scopes = {v for v in _claim_values(claims.get(s.oidc_scope_claim)) if v in SCOPES}
        for role in _claim_values(claims.get(s.oidc_roles_claim)):
            scopes.update(
                v for v in s.oidc_role_scopes.get(role, ()) if v in SCOPES or v == ALL_SCOPES
            )
        districts = claims.get(s.oidc_districts_claim)
        return Principal(
            f"user:{claims['sub']}",
            frozenset(scopes),
            None if districts is None else frozenset(_claim_values(districts)),
        )
