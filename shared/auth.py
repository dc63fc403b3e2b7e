"""Credentials: `X-API-Key: <key>` or `Authorization: Bearer <token>`.

This is the seam for the full key and scope model: a :class:`KeyStore` maps a presented secret
to a :class:`Principal` with scopes. Today the store is static (bootstrap key plus hashed keys
from settings); a database-backed store can replace it without touching any endpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from shared.problems import ProblemError
from shared.settings import HubSettings

logger = logging.getLogger("hub.auth")

ALL_SCOPES = "*"
SCOPES: dict[str, str] = {
    "activity:read": "Read the engagement log and registries.",
    "activity:write": "Log, amend and delete engagement activity; manage registries.",
    "activity:review": "Approve or flag logged activity (supervisors).",
    "survey:read": "Read survey definitions, results and free-text comments.",
    "survey:write": "Define surveys, import responses, upload population margins.",
    "kpi:read": "Read the KPI catalogue, series, scorecards and reports.",
    "kpi:write": "Record measurements and freeze scorecard snapshots.",
}

_UNAUTHORISED_HEADERS = {"WWW-Authenticate": 'Bearer realm="engagement-hub", ApiKey'}


@dataclass(frozen=True)
class Principal:
    """Who is calling, and what they may do."""

    key_id: str
    scopes: frozenset[str] = field(default_factory=frozenset)

    def allows(self, scope: str) -> bool:
        return ALL_SCOPES in self.scopes or scope in self.scopes


class KeyStore(Protocol):
    def lookup(self, secret: str) -> Principal | None: ...


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class StaticKeyStore:
    """Keys known from settings; secrets are only ever held as SHA-256 digests."""

    def __init__(self, keys: Mapping[str, Principal]) -> None:
        self._by_digest = dict(keys)

    def lookup(self, secret: str) -> Principal | None:
        digest = hash_secret(secret)
        for known, principal in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return principal
        return None

    @classmethod
    def from_settings(cls, settings: HubSettings, *, warn: bool = False) -> StaticKeyStore:
        keys: dict[str, Principal] = {}
        if settings.bootstrap_api_key is not None:
            secret = settings.bootstrap_api_key.get_secret_value()
            if secret:
                keys[hash_secret(secret)] = Principal("bootstrap", frozenset({ALL_SCOPES}))
                if warn:
                    logger.warning(
                        "HUB_BOOTSTRAP_API_KEY is set: it grants every scope; "
                        "use it only for local work and tests"
                    )
        for entry in filter(None, (e.strip() for e in settings.api_keys.split(","))):
            key_id, digest, scopes = _parse_key_entry(entry)
            keys[digest] = Principal(key_id, frozenset(scopes))
        return cls(keys)


def _parse_key_entry(entry: str) -> tuple[str, str, Iterable[str]]:
    parts = entry.split(":", 2)
    if len(parts) != 3 or len(parts[1]) != 64:
        raise ValueError(f"HUB_API_KEYS entry {entry[:20]!r} is not `id:sha256hex:scopes`")
    key_id, digest, scopes = parts
    return key_id, digest.lower(), scopes.split()


def presented_secret(headers: Mapping[str, str]) -> str | None:
    key = headers.get("x-api-key")
    if key:
        return key.strip()
    authorization = headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def authenticate(store: KeyStore, headers: Mapping[str, str]) -> Principal:
    secret = presented_secret(headers)
    if secret is None:
        raise ProblemError(
            401,
            "Send credentials as `X-API-Key: <key>` or `Authorization: Bearer <token>`.",
            headers=_UNAUTHORISED_HEADERS,
        )
    principal = store.lookup(secret)
    if principal is None:
        raise ProblemError(401, "The credentials are not valid.", headers=_UNAUTHORISED_HEADERS)
    return principal


# Declared as security dependencies so OpenAPI documents both ways to authenticate.
_api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="ApiKey")
_bearer_scheme = HTTPBearer(auto_error=False, scheme_name="Bearer")


async def current_principal(
    request: Request,
    _key: Annotated[str | None, Depends(_api_key_scheme)] = None,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)] = None,
) -> Principal:
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    principal = authenticate(request.app.state.key_store, request.headers)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_scope(scope: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """Dependency: the caller must hold `scope`."""

    async def dependency(principal: PrincipalDep) -> Principal:
        if not principal.allows(scope):
            raise ProblemError(403, f"This operation needs the `{scope}` scope.")
        return principal

    dependency.__name__ = f"require_{scope.replace(':', '_')}"
    return dependency
