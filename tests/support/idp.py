"""A small OpenID Connect identity provider for the dashboard's sign-in tests, run as a real
process on loopback (`start_idp`): an authorization endpoint (approves at once, as a provider
does for a browser already signed in there), a token endpoint that checks the code, the client,
the redirect URI and the PKCE verifier (S256), and a JWKS endpoint. It signs id tokens with a
key pair the test generates and hands it (a PEM file).

The test says who signs in next and how the provider misbehaves (`POST /test/user`: claims,
and `nonce`, `exp_offset_s`, `rogue_key` to forge a token), and reads what it issued and what
the token endpoint was sent (`GET /test/issued`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from hub.ports import free_port_block

KID = "idp-test-1"


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def create_app() -> Starlette:
    issuer = os.environ["IDP_ISSUER"]
    client_id = os.environ["IDP_CLIENT_ID"]
    key = serialization.load_pem_private_key(Path(os.environ["IDP_KEY_FILE"]).read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    rogue = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = {**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": KID, "use": "sig"}
    state: dict[str, Any] = {"user": {"sub": "analyst-1"}, "codes": {}, "issued": []}

    async def authorize(request: Request) -> Response:
        q = request.query_params
        problems = [
            name
            for name, ok in (
                ("response_type", q.get("response_type") == "code"),
                ("client_id", q.get("client_id") == client_id),
                ("code_challenge_method", q.get("code_challenge_method") == "S256"),
                ("code_challenge", bool(q.get("code_challenge"))),
                ("scope", "openid" in q.get("scope", "").split()),
                ("redirect_uri", bool(q.get("redirect_uri"))),
            )
            if not ok
        ]
        if problems:
            return JSONResponse({"error": "invalid_request", "fields": problems}, 400)
        code = secrets.token_urlsafe(16)
        state["codes"][code] = {
            "challenge": q["code_challenge"],
            "nonce": q.get("nonce"),
            "redirect_uri": q["redirect_uri"],
            "user": dict(state["user"]),
        }
        target = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q.get("state", "")})
        return RedirectResponse(target, status_code=302)

    async def token(request: Request) -> Response:
        form = await request.form()
        grant = state["codes"].pop(str(form.get("code", "")), None)  # a code is good once
        record: dict[str, Any] = {"form": {k: str(v) for k, v in form.items()}}
        state["issued"].append(record)
        if grant is None or form.get("grant_type") != "authorization_code":
            return JSONResponse({"error": "invalid_grant"}, 400)
        if form.get("client_id") != client_id or form.get("redirect_uri") != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_client"}, 400)
        if _challenge(str(form.get("code_verifier", ""))) != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant", "detail": "PKCE"}, 400)
        user = dict(grant["user"])
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": client_id,
            "iat": now,
            "exp": now + 300 + int(user.pop("exp_offset_s", 0)),
            "nonce": user.pop("nonce", grant["nonce"]),
            **user,
        }
        signing = rogue if claims.pop("rogue_key", False) else key
        id_token = jwt.encode(claims, signing, algorithm="RS256", headers={"kid": KID})
        record["id_token"] = id_token
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "id_token": id_token,
            }
        )

    async def jwks(_: Request) -> Response:
        return JSONResponse({"keys": [public]})

    async def set_user(request: Request) -> Response:
        state["user"] = await request.json()
        return JSONResponse(state["user"])

    async def issued(_: Request) -> Response:
        return JSONResponse(state["issued"])

    return Starlette(
        routes=[
            Route("/authorize", authorize),
            Route("/token", token, methods=["POST"]),
            Route("/jwks", jwks),
            Route("/test/user", set_user, methods=["POST"]),
            Route("/test/issued", issued),
        ]
    )


@dataclass
class IdentityProvider:
    process: subprocess.Popen[bytes]
    port: int
    client_id: str

    @property
    def issuer(self) -> str:
        """Named `localhost`, the gateway `127.0.0.1`: to the browser they are other sites."""
        return f"http://localhost:{self.port}"

    @property
    def local_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def gateway_env(self, role_scopes: dict[str, list[str]]) -> dict[str, str]:
        """The gateway's settings for this provider (tokens and the dashboard's sign-in)."""
        return {
            "GATEWAY_OIDC_JWKS_URL": f"{self.local_url}/jwks",
            "GATEWAY_OIDC_ISSUER": self.issuer,
            "GATEWAY_OIDC_AUDIENCE": self.client_id,
            "GATEWAY_OIDC_ROLE_SCOPES": json.dumps(role_scopes),
            "GATEWAY_OIDC_AUTHORIZATION_URL": f"{self.issuer}/authorize",
            "GATEWAY_OIDC_TOKEN_URL": f"{self.local_url}/token",
            "GATEWAY_OIDC_CLIENT_ID": self.client_id,
            "GATEWAY_OIDC_PROVIDER_NAME": "Test force sign-on",
        }

    def sign_in_as(self, claims: dict[str, Any]) -> None:
        httpx.post(f"{self.local_url}/test/user", json=claims, timeout=5).raise_for_status()

    def issued(self) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = httpx.get(f"{self.local_url}/test/issued", timeout=5).json()
        return answer

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_idp(work_dir: Path, *, client_id: str = "hub-dashboard") -> IdentityProvider:
    """The provider on a free loopback port, signing with a key pair made here."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = work_dir / "idp-key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    port = free_port_block(1)
    env = {
        **os.environ,
        "IDP_ISSUER": f"http://localhost:{port}",
        "IDP_CLIENT_ID": client_id,
        "IDP_KEY_FILE": str(key_file),
    }
    argv = [sys.executable, "-m", "uvicorn", "--factory", "tests.support.idp:create_app"]
    argv += [
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with (work_dir / "idp.log").open("wb") as log:
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    provider = IdentityProvider(process, port, client_id)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((work_dir / "idp.log").read_text(errors="replace"))
        try:
            if httpx.get(f"{provider.local_url}/jwks", timeout=1).status_code == 200:
                return provider
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    provider.stop()
    raise RuntimeError("the test identity provider did not start")
