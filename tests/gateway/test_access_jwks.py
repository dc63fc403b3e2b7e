"""The JWKS fetched from the identity provider's URL (`gateway/tokens.py`): keys are fetched
once and cached, a new key id triggers a refetch (key rotation), and claims map to scopes."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from gateway.config import GatewaySettings
from gateway.tokens import REFETCH_MIN_S, TokenVerifier
from shared.problems import ProblemError

ISSUER = "https://idp.example/realm"


class _IdP:
    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0

    def add_key(self, kid: str) -> rsa.RSAPrivateKey:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self.keys[kid]

    def jwks(self) -> bytes:
        keys = [
            {**RSAAlgorithm.to_jwk(k.public_key(), as_dict=True), "kid": kid}
            for kid, k in self.keys.items()
        ]
        return json.dumps({"keys": keys}).encode()


@pytest.fixture
def idp() -> Iterator[tuple[_IdP, str]]:
    provider = _IdP()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            provider.fetches += 1
            body = provider.jwks()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield provider, f"http://127.0.0.1:{server.server_address[1]}/certs"
    server.shutdown()
    server.server_close()


def _token(key: rsa.RSAPrivateKey, kid: str, **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": "hub", "sub": "u1", "iat": now, "exp": now + 60, **claims}
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})


async def test_keys_come_from_the_url_and_a_new_key_id_is_fetched(
    idp: tuple[_IdP, str],
) -> None:
    provider, url = idp
    first = provider.add_key("k1")
    settings = GatewaySettings(
        oidc_jwks_url=url,
        oidc_issuer=ISSUER,
        oidc_audience="hub",
        oidc_role_scopes={"lead": ["kpi:read", "activity:read"]},
    )
    verifier = TokenVerifier(settings)
    principal = await verifier.principal(_token(first, "k1", roles=["lead", "unknown"]))
    assert principal.key_id == "user:u1"
    assert principal.scopes == frozenset({"kpi:read", "activity:read"})
    assert principal.districts is None
    await verifier.principal(_token(first, "k1", scope="survey:read"))
    assert provider.fetches == 1  # cached
    rotated = provider.add_key("k2")
    early = _token(rotated, "k2")
    with pytest.raises(ProblemError):
        await verifier.principal(early)  # an unknown key id refetches at most once a second
    assert provider.fetches == 1
    await asyncio.sleep(REFETCH_MIN_S + 0.1)
    limited = await verifier.principal(_token(rotated, "k2", hub_districts=["BRS"]))
    assert limited.districts == frozenset({"BRS"})
    assert provider.fetches == 2
    with pytest.raises(ProblemError) as raised:
        await verifier.principal(_token(first, "k2"))  # signed with the wrong key for k2
    assert raised.value.status == 401
