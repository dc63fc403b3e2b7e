"""Credentials and who may do what.

At the gateway a caller presents `X-API-Key: <key>` or `Authorization: Bearer <token>`; the
gateway finds the :class:`Principal` (static keys here, managed keys and OpenID Connect tokens
in `gateway/`), then forwards a short-lived signed identity (`X-Hub-Identity`, an HS256 JWT
made with `HUB_INTERNAL_SECRET`) and strips the caller's own credentials. A service trusts
only that identity or the bootstrap key: any other direct call is a 401, so nobody goes round
the gateway's keys, limits and audit.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

import jwt
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
    "admin": "Manage API keys and read the audit trail.",
}

IDENTITY_HEADER = "X-Hub-Identity"
_IDENTITY_KEY = IDENTITY_HEADER.lower()
IDENTITY_TTL_S = 30
_IDENTITY_ISSUER = "hub-gateway"
_IDENTITY_AUDIENCE = "hub-services"

_UNAUTHORISED_HEADERS = {"WWW-Authenticate": 'Bearer realm="engagement-hub", ApiKey'}


@dataclass(frozen=True)
class Principal:
    """Who is calling, what they may do, and which districts they may see (None: all)."""

    key_id: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    districts: frozenset[str] | None = None

    def allows(self, scope: str) -> bool:
        return ALL_SCOPES in self.scopes or scope in self.scopes

    def sees(self, district: str | None) -> bool:
        """Whether a record of `district` is visible to this caller."""
        return self.districts is None or (district is not None and district in self.districts)


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

    def by_id(self, key_id: str) -> Principal | None:
        """The key called `key_id` (a dashboard session names its key, never holds it)."""
        return next((p for p in self._by_digest.values() if p.key_id == key_id), None)

    @classmethod
    def from_settings(
        cls, settings: HubSettings, *, warn: bool = False, bootstrap_only: bool = False
    ) -> StaticKeyStore:
        """The bootstrap key and `HUB_API_KEYS`; a service takes only the bootstrap key
        (`bootstrap_only`): every other caller comes through the gateway."""
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
        if bootstrap_only:
            return cls(keys)
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


def unauthorised(detail: str = "The credentials are not valid.") -> ProblemError:
    return ProblemError(401, detail, headers=_UNAUTHORISED_HEADERS)


def missing_credentials() -> ProblemError:
    return unauthorised(
        "Send credentials as `X-API-Key: <key>` or `Authorization: Bearer <token>`."
    )


def authenticate(store: KeyStore, headers: Mapping[str, str]) -> Principal:
    secret = presented_secret(headers)
    if secret is None:
        raise missing_credentials()
    principal = store.lookup(secret)
    if principal is None:
        raise unauthorised()
    return principal


# --- the identity the gateway forwards -----------------------------------------------------


class IdentitySigner:
    """Signs and checks the forwarded identity: an HS256 JWT (PyJWT) with the caller id,
    scopes, districts and request id, valid for `IDENTITY_TTL_S` seconds. Short-lived, so a
    captured one is of little use; signed, so a service can tell the gateway made it."""

    def __init__(self, secret: str, *, ttl_s: int = IDENTITY_TTL_S) -> None:
        if len(secret) < 32:
            raise ValueError("HUB_INTERNAL_SECRET must be at least 32 characters")
        self._secret = secret
        self.ttl_s = ttl_s

    @classmethod
    def from_settings(cls, settings: HubSettings) -> IdentitySigner | None:
        secret = settings.internal_secret
        return cls(secret.get_secret_value()) if secret is not None else None

    def sign(self, principal: Principal, request_id: str | None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": _IDENTITY_ISSUER,
            "aud": _IDENTITY_AUDIENCE,
            "sub": principal.key_id,
            "scp": sorted(principal.scopes),
            "iat": now,
            "exp": now + self.ttl_s,
        }
        if principal.districts is not None:
            claims["dst"] = sorted(principal.districts)
        if request_id:
            claims["rid"] = request_id
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=_IDENTITY_AUDIENCE,
                issuer=_IDENTITY_ISSUER,
                leeway=2,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise unauthorised("The forwarded identity is not valid.") from exc
        districts = claims.get("dst")
        return Principal(
            str(claims["sub"]),
            frozenset(str(s) for s in claims.get("scp") or ()),
            None if districts is None else frozenset(str(d) for d in districts),
        )


def identity_headers(
    signer: IdentitySigner, principal: Principal, request_id: str | None
) -> dict[str, str]:
    """Headers that carry `principal` to another service of the Hub, e.g. the KPI service's
    calls to the activity and survey services on behalf of its caller (same limits)."""
    headers = {IDENTITY_HEADER: signer.sign(principal, request_id)}
    if request_id:
        headers["X-Request-ID"] = request_id
    return headers


def forwarding_headers(
    request: Request, principal: Principal, *, scopes: Iterable[str] | None = None
) -> dict[str, str]:
    """`identity_headers` for the caller of `request`, signed with the service's secret.

    A service that reads other services for its caller (the KPI service's sources) passes the
    scopes those reads need (`scopes=["activity:read", "survey:read"]`): the caller's id and
    districts always go with them, so the caller's limits hold at the source."""
    from shared.requestid import current_request_id

    if scopes is not None:
        principal = Principal(principal.key_id, frozenset(scopes), principal.districts)

    signer: IdentitySigner | None = getattr(request.app.state, "identity_signer", None)
    if signer is None:
        signer = IdentitySigner.from_settings(HubSettings())
        if signer is None:
            raise ProblemError(503, "HUB_INTERNAL_SECRET is not set: cannot call other services.")
        request.app.state.identity_signer = signer
    return identity_headers(signer, principal, current_request_id())


class ServiceCredentials:
    """What a service accepts: the gateway's signed identity, or the bootstrap key."""

    def __init__(self, direct: KeyStore, signer: IdentitySigner | None) -> None:
        self.direct = direct
        self.signer = signer

    @classmethod
    def from_settings(cls, settings: HubSettings) -> ServiceCredentials:
        direct = StaticKeyStore.from_settings(settings, bootstrap_only=True)
        return cls(direct, IdentitySigner.from_settings(settings))

    def principal(self, headers: Mapping[str, str]) -> Principal:
        token = headers.get(_IDENTITY_KEY)
        if token:
            if self.signer is None:
                raise unauthorised("This service takes no forwarded identity (no secret set).")
            return self.signer.verify(token)
        secret = presented_secret(headers)
        if secret is None:
            raise missing_credentials()
        principal = self.direct.lookup(secret)
        if principal is None:
            raise unauthorised("The credentials are not valid here: call the Hub's gateway.")
        return principal


def _service_credentials(request: Request) -> ServiceCredentials:
    credentials: ServiceCredentials | None = getattr(request.app.state, "credentials", None)
    if credentials is None:
        store = getattr(request.app.state, "key_store", None)
        hub = HubSettings()
        direct = store or StaticKeyStore.from_settings(hub, bootstrap_only=True)
        credentials = ServiceCredentials(direct, IdentitySigner.from_settings(hub))
        request.app.state.credentials = credentials
    return credentials


def service_principal(request: Request) -> Principal:
    """The caller of a service request (cached on the request)."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    principal = _service_credentials(request).principal(request.headers)
    request.state.principal = principal
    return principal


# Declared as security dependencies so OpenAPI documents both ways to authenticate.
_api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="ApiKey")
_bearer_scheme = HTTPBearer(auto_error=False, scheme_name="Bearer")


async def current_principal(
    request: Request,
    _key: Annotated[str | None, Depends(_api_key_scheme)] = None,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)] = None,
) -> Principal:
    return service_principal(request)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def forbidden(scope: str) -> ProblemError:
    return ProblemError(403, f"This operation needs the `{scope}` scope.")


def require_scope(scope: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """Dependency: the caller must hold `scope`."""

    async def dependency(principal: PrincipalDep) -> Principal:
        if not principal.allows(scope):
            raise forbidden(scope)
        return principal

    dependency.__name__ = f"require_{scope.replace(':', '_')}"
    dependency.hub_scope = scope  # type: ignore[attr-defined]  # read by the scope-table test
    return dependency
