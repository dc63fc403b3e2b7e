"""OpenID Connect bearer tokens at a gateway replica configured with a JWKS file: verified
signature (RS256, ES256), issuer, audience and expiry; roles and scopes mapped to Hub scopes."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import assert_problem
from tests.gateway.conftest import OIDC_AUDIENCE, OIDC_ISSUER, OIDC_LEEWAY_S, SigningKeys
from tests.support.factories import activity_payload
from tests.support.processes import Gateway


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    out: dict[str, Any] = {
        "iss": OIDC_ISSUER,
        "aud": OIDC_AUDIENCE,
        "sub": f"officer-{uuid.uuid4().hex[:8]}",
        "iat": now,
        "exp": now + 300,
    }
    out.update(overrides)
    return out


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def rs256(keys: SigningKeys, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), keys.rsa, algorithm="RS256", headers={"kid": "rsa-1"})


def es256(keys: SigningKeys, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), keys.ec, algorithm="ES256", headers={"kid": "ec-1"})


@pytest.fixture
async def replica_client(replica: Gateway) -> Any:
    async with httpx.AsyncClient(base_url=replica.base_url, timeout=10) as client:
        yield client


async def test_roles_and_scopes_of_a_valid_token_decide_what_it_may_do(
    replica_client: httpx.AsyncClient, signing_keys: SigningKeys
) -> None:
    analyst = bearer(rs256(signing_keys, roles=["analyst"]))
    assert (await replica_client.get("/api/v1/surveys", headers=analyst)).status_code == 200
    assert (await replica_client.get("/api/v1/kpis", headers=analyst)).status_code == 200
    assert_problem(await replica_client.get("/api/v1/activities", headers=analyst), 403)

    writer = bearer(es256(signing_keys, scope="activity:read activity:write not:a-scope"))
    created = await replica_client.post(
        "/api/v1/activities", json=activity_payload(area="NSM-01"), headers=writer
    )
    assert created.status_code == 201, created.text
    assert created.json()["logged_by"].startswith("user:officer-")
    assert_problem(await replica_client.get("/api/v1/surveys", headers=writer), 403)
    assert_problem(await replica_client.get("/api/v1/admin/api-keys", headers=writer), 403)


async def test_a_token_limited_to_districts_sees_only_them(
    replica_client: httpx.AsyncClient, gateway: httpx.AsyncClient, signing_keys: SigningKeys
) -> None:
    brs = await gateway.post("/api/v1/activities", json=activity_payload(area="BRS-01"))
    token = bearer(es256(signing_keys, roles=["inspector"], hub_districts=["NSM"]))
    assert_problem(await replica_client.get(brs.headers["location"], headers=token), 404)
    unlimited = bearer(es256(signing_keys, roles=["inspector"]))
    assert (await replica_client.get(brs.headers["location"], headers=unlimited)).status_code == 200


@pytest.mark.parametrize(
    "case",
    ["bad_signature", "wrong_issuer", "wrong_audience", "expired", "unknown_kid", "hs256", "none"],
)
async def test_tokens_that_do_not_verify_are_401(
    replica_client: httpx.AsyncClient, signing_keys: SigningKeys, case: str
) -> None:
    now = int(time.time())
    scopes = {"scope": "kpi:read"}
    if case == "bad_signature":
        impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jwt.encode(claims(**scopes), impostor, algorithm="RS256", headers={"kid": "rsa-1"})
    elif case == "wrong_issuer":
        token = rs256(signing_keys, iss="https://elsewhere.example", **scopes)
    elif case == "wrong_audience":
        token = es256(signing_keys, aud="another-app", **scopes)
    elif case == "expired":
        token = rs256(signing_keys, exp=now - OIDC_LEEWAY_S - 5, iat=now - 600, **scopes)
    elif case == "unknown_kid":
        token = jwt.encode(
            claims(**scopes), signing_keys.rsa, algorithm="RS256", headers={"kid": "x"}
        )
    elif case == "hs256":
        token = jwt.encode(
            claims(**scopes), "guessable-" + "g" * 32, algorithm="HS256", headers={"kid": "rsa-1"}
        )
    else:
        token = jwt.encode(claims(**scopes), None, algorithm="none")  # type: ignore[arg-type]
    response = await replica_client.get("/api/v1/kpis", headers=bearer(token))
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_token_inside_the_leeway_still_works(
    replica_client: httpx.AsyncClient, signing_keys: SigningKeys
) -> None:
    now = int(time.time())
    token = rs256(signing_keys, exp=now - 1, iat=now - 300, scope="kpi:read")
    assert (await replica_client.get("/api/v1/kpis", headers=bearer(token))).status_code == 200
