from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from tests.conftest import AUTH
from tests.support.databases import DatabaseFactory
from tests.support.factories import seed_areas
from tests.support.processes import Gateway, Suite, start_gateway, start_suite


@pytest.fixture(scope="session")
async def suite_env(databases: DatabaseFactory) -> dict[str, str]:
    """Database URLs for the suite's services: SQLite files in its data dir, or fresh PG DBs."""
    if databases.admin_url is None:
        return {}
    return {
        f"{service.upper()}_DATABASE_URL": await databases.fresh(service)
        for service in ("activity", "survey", "kpi", "gateway")
    }


@pytest.fixture(scope="session")
def suite(suite_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    # Many tests here present wrong credentials on purpose, all from 127.0.0.1: the per-address
    # limit on failed authentication is tested on gateways of its own.
    env = {**suite_env, "GATEWAY_AUTH_FAILURE_LIMIT": "100000/minute"}
    running = start_suite(tmp_path_factory.mktemp("suite"), env)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
async def seeded_suite(suite: Suite) -> Suite:
    """The suite with the test force's areas registered (activities must name a known area)."""
    async with httpx.AsyncClient(base_url=suite.base_url, headers=AUTH, timeout=10) as client:
        await seed_areas(client)
    return suite


@pytest.fixture
async def gateway(seeded_suite: Suite) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=seeded_suite.base_url, headers=AUTH, timeout=10) as c:
        yield c


# --- access: a second gateway replica on the same store, with OpenID Connect configured ----

OIDC_ISSUER = "https://idp.test.example/realms/force"
OIDC_AUDIENCE = "engagement-hub"
OIDC_LEEWAY_S = 5
OIDC_ROLE_SCOPES = {"analyst": ["survey:read", "kpi:read"], "inspector": ["activity:read"]}


@dataclass
class SigningKeys:
    """Key pairs the tests' identity provider signs with; the JWKS holds the public halves."""

    rsa: rsa.RSAPrivateKey
    ec: ec.EllipticCurvePrivateKey
    jwks_path: Path


@pytest.fixture(scope="session")
def signing_keys(tmp_path_factory: pytest.TempPathFactory) -> SigningKeys:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    keys = [
        {**RSAAlgorithm.to_jwk(rsa_key.public_key(), as_dict=True), "kid": "rsa-1", "use": "sig"},
        {**ECAlgorithm.to_jwk(ec_key.public_key(), as_dict=True), "kid": "ec-1", "use": "sig"},
    ]
    path = tmp_path_factory.mktemp("idp") / "jwks.json"
    path.write_text(json.dumps({"keys": keys}))
    return SigningKeys(rsa_key, ec_key, path)


@pytest.fixture(scope="session")
def replica(
    seeded_suite: Suite,
    suite_env: dict[str, str],
    signing_keys: SigningKeys,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Gateway]:
    """A second gateway process on the suite's store and services, taking OIDC tokens too."""
    env = {
        "GATEWAY_OIDC_JWKS_FILE": str(signing_keys.jwks_path),
        "GATEWAY_OIDC_ISSUER": OIDC_ISSUER,
        "GATEWAY_OIDC_AUDIENCE": OIDC_AUDIENCE,
        "GATEWAY_OIDC_LEEWAY_S": str(OIDC_LEEWAY_S),
        "GATEWAY_OIDC_ROLE_SCOPES": json.dumps(OIDC_ROLE_SCOPES),
    }
    if "GATEWAY_DATABASE_URL" in suite_env:
        env["GATEWAY_DATABASE_URL"] = suite_env["GATEWAY_DATABASE_URL"]
    running = start_gateway(seeded_suite, tmp_path_factory.mktemp("replica"), env)
    try:
        yield running
    finally:
        running.stop()
