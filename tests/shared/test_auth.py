"""The identity the gateway forwards, and what a service accepts: unit rules beside the
process tests in tests/gateway/test_access_*.py."""

from __future__ import annotations

import time

import jwt
import pytest

import shared.auth as shared_auth
from shared.auth import (
    IDENTITY_HEADER,
    IdentitySigner,
    Principal,
    ServiceCredentials,
    StaticKeyStore,
    hash_secret,
)
from shared.problems import ProblemError
from shared.settings import HubSettings

SECRET = "unit-test-secret-" + "u" * 32


def test_an_identity_round_trips_with_scopes_districts_and_request_id() -> None:
    signer = IdentitySigner(SECRET)
    limited = Principal("key:abc", frozenset({"activity:read"}), frozenset({"NSM", "BRS"}))
    token = signer.sign(limited, "req-1")
    assert signer.verify(token) == limited
    assert (
        jwt.decode(token, SECRET, algorithms=["HS256"], audience="hub-services")["rid"] == "req-1"
    )
    whole_force = Principal("bootstrap", frozenset({"*"}))
    assert signer.verify(signer.sign(whole_force, None)).districts is None


@pytest.mark.parametrize("case", ["other_secret", "expired", "tampered", "garbage"])
def test_an_identity_that_does_not_verify_is_a_401(case: str) -> None:
    signer = IdentitySigner(SECRET)
    principal = Principal("key:abc", frozenset({"activity:read"}))
    if case == "other_secret":
        token = IdentitySigner("another-secret-" + "a" * 32).sign(principal, None)
    elif case == "expired":
        token = IdentitySigner(SECRET, ttl_s=-10).sign(principal, None)
    elif case == "tampered":
        header, _, signature = signer.sign(principal, None).split(".")
        forged = jwt.utils.base64url_encode(b'{"sub":"x","scp":["*"]}').decode()
        token = f"{header}.{forged}.{signature}"
    else:
        token = "not-a-token"
    with pytest.raises(ProblemError) as raised:
        signer.verify(token)
    assert raised.value.status == 401


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32"):
        IdentitySigner("short")


def test_a_service_accepts_the_identity_or_the_bootstrap_key_only() -> None:
    settings = HubSettings(
        bootstrap_api_key="boot-" + "b" * 20,
        api_keys=f"ops:{hash_secret('ops-key')}:*",
        internal_secret=SECRET,
    )
    credentials = ServiceCredentials.from_settings(settings)
    assert credentials.principal({"x-api-key": "boot-" + "b" * 20}).key_id == "bootstrap"
    with pytest.raises(ProblemError) as raised:
        credentials.principal({"x-api-key": "ops-key"})  # a gateway key, used directly
    assert raised.value.status == 401
    token = IdentitySigner(SECRET).sign(Principal("ops", frozenset({"*"})), None)
    assert credentials.principal({IDENTITY_HEADER.lower(): token}).key_id == "ops"
    # The gateway itself still takes every static key.
    assert StaticKeyStore.from_settings(settings).lookup("ops-key") is not None


def test_districts_limit_what_a_principal_sees() -> None:
    limited = Principal("k", frozenset(), frozenset({"NSM"}))
    assert limited.sees("NSM")
    assert not limited.sees("BRS")
    assert not limited.sees(None)
    assert Principal("k").sees("BRS")


def test_identities_are_short_lived() -> None:
    token = IdentitySigner(SECRET).sign(Principal("k"), None)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="hub-services")
    assert 0 < claims["exp"] - time.time() <= 31


def test_forwarding_headers_carry_the_caller_on_to_another_service() -> None:
    from fastapi import FastAPI
    from starlette.requests import Request

    app = FastAPI()
    app.state.identity_signer = IdentitySigner(SECRET)
    request = Request({"type": "http", "app": app, "headers": []})
    caller = Principal("user:inspector", frozenset({"activity:read"}), frozenset({"NSM"}))
    headers = shared_auth.forwarding_headers(request, caller)
    other_service = ServiceCredentials(StaticKeyStore({}), IdentitySigner(SECRET))
    seen = other_service.principal({k.lower(): v for k, v in headers.items()})
    assert seen == caller


def test_a_service_reading_its_sources_keeps_the_callers_districts() -> None:
    from fastapi import FastAPI
    from starlette.requests import Request

    app = FastAPI()
    app.state.identity_signer = IdentitySigner(SECRET)
    request = Request({"type": "http", "app": app, "headers": []})
    caller = Principal("user:lead", frozenset({"kpi:read"}), frozenset({"BRS"}))
    headers = shared_auth.forwarding_headers(request, caller, scopes=["activity:read"])
    seen = IdentitySigner(SECRET).verify(headers[IDENTITY_HEADER])
    assert seen == Principal("user:lead", frozenset({"activity:read"}), frozenset({"BRS"}))
