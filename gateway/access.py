"""Who is calling and whether they may: the gateway's one authentication step.

Static keys (the bootstrap key, `HUB_API_KEYS`) are checked in memory first, then OpenID
Connect bearer tokens, then managed keys (`gateway/keys/`). The scope a route needs comes
from the one table in `gateway/scopes.py`.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.config import GatewaySettings
from gateway.identity import IdentityForwarder
from gateway.keys.store import ManagedKeys
from gateway.scopes import scope_for
from gateway.tokens import TokenVerifier, looks_like_jwt
from shared.auth import (
    IdentitySigner,
    Principal,
    StaticKeyStore,
    forbidden,
    missing_credentials,
    presented_secret,
    unauthorised,
)
from shared.db import Database
from shared.settings import HubSettings

MANAGED_PREFIX = "key:"  # the principal id of a managed key (`gateway/keys/store.py`)


class Access:
    def __init__(
        self,
        static: StaticKeyStore,
        keys: ManagedKeys,
        tokens: TokenVerifier | None,
        forwarder: IdentityForwarder,
    ) -> None:
        self.static = static
        self.keys = keys
        self.tokens = tokens
        self.forwarder = forwarder

    @classmethod
    def build(
        cls, settings: GatewaySettings, hub: HubSettings, static: StaticKeyStore, db: Database
    ) -> Access:
        tokens = TokenVerifier(settings) if settings.oidc_enabled else None
        return cls(
            static, ManagedKeys(db), tokens, IdentityForwarder(IdentitySigner.from_settings(hub))
        )

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        secret = presented_secret(headers)
        if secret is None:
            raise missing_credentials()
        principal = self.static.lookup(secret)
        if principal is not None:
            return principal
        if self.tokens is not None and looks_like_jwt(secret):
            return await self.tokens.principal(secret)
        principal = await self.keys.lookup(secret)
        if principal is None:
            raise unauthorised()
        return principal

    async def authenticate_key(self, secret: str) -> Principal | None:
        """An API key (static or managed) as the dashboard's sign-in form takes it; tokens
        come through the OpenID Connect flow instead."""
        return self.static.lookup(secret) or await self.keys.lookup(secret)

    async def key_principal(self, key_id: str) -> Principal | None:
        """The key a dashboard session names, as it is now: None once it is revoked, expired
        or gone from the settings (managed keys are `key:<id>`; static ids hold no colon)."""
        if key_id.startswith(MANAGED_PREFIX):
            return await self.keys.by_id(key_id[len(MANAGED_PREFIX) :])
        return self.static.by_id(key_id)

    @staticmethod
    def authorise(principal: Principal, method: str, path: str) -> None:
        """403 unless the caller holds the scope the route needs (`path` under /api/v1)."""
        scope = scope_for(method, path)
        if scope is not None and not principal.allows(scope):
            raise forbidden(scope)
