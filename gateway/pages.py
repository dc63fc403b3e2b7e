"""The dashboard's pages: signed in at the gateway, rendered by the KPI service.

Identity lives here, as for the API. The gateway takes the sign-in form's POST (an API key:
static or managed, exactly as `Access` checks them), the sign-out POST and the OpenID Connect
flow (`gateway/oidc_flow.py`), and keeps the session cookie (`gateway/sessions.py`). Every
other `/dashboard/*` request is passed to the KPI service with the signed identity of the
session's caller (`X-Hub-Identity`, as an API request carries), so the service applies the
caller's scopes and districts as on the API; a request without a valid session carries none
and the service answers with its sign-in page. The gateway renders no page: when a sign-in
fails it asks the service for the sign-in page with the reason (`x-hub-sign-in-error`), and
it tells the service each form's CSRF token (`x-hub-csrf`). The browser's cookies never reach
the service.

Rate limits: a signed-in caller spends its credential's allowance, anyone else their address's;
failed sign-ins spend the address's failed-authentication allowance, as on the API.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from gateway.access import Access
from gateway.config import GatewaySettings
from gateway.identity import IdentityForwarder
from gateway.oidc_flow import OidcSignIn, SignInFailed
from gateway.proxy import Proxy, _ClientGone, _has_dot_segment, _refuse_if, send_problem
from gateway.ratelimit import RateLimits
from gateway.sessions import (
    CSRF_COOKIE,
    CSRF_MAX_AGE_S,
    FLOW_COOKIE,
    FLOW_MAX_AGE_S,
    FLOW_PATH,
    SESSION_COOKIE,
    Session,
    Sessions,
    same,
)
from gateway.upstreams import PAGES, Upstream
from shared.auth import Principal
from shared.problems import ProblemError

logger = logging.getLogger("hub.gateway.pages")

SIGN_IN = "/dashboard/sign-in"
SIGN_OUT = "/dashboard/sign-out"
SIGNED_IN = "/dashboard/signed-in"
OIDC_START = FLOW_PATH
OIDC_CALLBACK = FLOW_PATH + "/callback"
HOME = "/dashboard/"
# What the gateway tells the KPI service; a client's own headers of these names are dropped.
CSRF_HEADER = "x-hub-csrf"
ERROR_HEADER = "x-hub-sign-in-error"
PROVIDER_HEADER = "x-hub-sign-in-provider"
DROPPED = frozenset({b"cookie", b"content-type", CSRF_HEADER.encode(), ERROR_HEADER.encode()})
DROPPED |= {PROVIDER_HEADER.encode()}


class Visitor(Principal):
    """Someone not signed in: rate-limited by address, forwarded with no identity."""


class _PageForwarder(IdentityForwarder):
    def header(self, principal: Principal, request_id: str | None) -> tuple[str, str] | None:
        if isinstance(principal, Visitor):
            return None
        return super().header(principal, request_id)


def safe_next(value: str | None) -> str:
    """Only a dashboard page: never an open redirect."""
    if value and value.startswith(HOME) and not value.startswith("//") and "\\" not in value:
        return value
    return HOME


class PageProxy(Proxy):
    def __init__(
        self,
        upstreams: dict[str, Upstream],
        access: Access,
        limits: RateLimits,
        settings: GatewaySettings,
        sessions: Sessions,
    ) -> None:
        pages = Access(
            access.static, access.keys, access.tokens, _PageForwarder(access.forwarder.signer)
        )
        super().__init__(upstreams, pages, limits, settings)
        self.sessions = sessions
        self.oidc = (
            OidcSignIn(settings, access.tokens)
            if settings.oidc_sign_in_enabled and access.tokens is not None
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        path: str = scope["path"]
        method: str = scope["method"]
        root = scope.get("root_path", "").rstrip("/")
        upstream = self.upstreams[PAGES[root.rsplit("/", 1)[-1]]]
        cookies = _cookies(scope)
        visitor = Visitor(f"addr:{_client_host(scope)}")
        try:
            if "/." in path and _has_dot_segment(path):
                raise ProblemError(400, "The path holds a `.` or `..` segment; send it resolved.")
            if method == "POST" and path == SIGN_IN:
                await self._sign_in(upstream, scope, receive, send, cookies, visitor)
                return
            if method == "POST" and path == SIGN_OUT:
                await self._sign_out(upstream, scope, receive, send, cookies, visitor)
                return
            if method == "GET" and path == OIDC_START and self.oidc is not None:
                await self._start_oidc(scope, send, visitor)
                return
            if method == "GET" and path == OIDC_CALLBACK and self.oidc is not None:
                await self._finish_oidc(upstream, scope, send, cookies, visitor)
                return
            session, principal = await self._session(cookies.get(SESSION_COOKIE))
            _refuse_if(await self.limits.spend_credential(principal or visitor), "credential")
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            body = await self._read_body(scope, receive, headers)
        except ProblemError as exc:
            await send_problem(send, exc.status, exc.detail or exc.title, path, exc.headers)
            return
        except _ClientGone:
            return
        set_cookies: list[bytes] = []
        if session is not None and principal is not None:
            told = {CSRF_HEADER: session.csrf}
        else:
            told = self._anonymous_csrf(scope, cookies, set_cookies)
            if SESSION_COOKIE in cookies:  # expired, tampered, or its key revoked: gone
                set_cookies.append(self._cookie(scope, SESSION_COOKIE, None))
        await self._forward(
            upstream,
            _rewritten(scope, extra=told),
            body,
            _with_cookies(send, set_cookies),
            principal or visitor,
        )

    # --- sessions ------------------------------------------------------------------------

    async def _session(self, value: str | None) -> tuple[Session | None, Principal | None]:
        session = self.sessions.read(value)
        if session is None:
            return None, None
        if session.kind == "key":
            # Looked up again on every page: a revoked or expired key ends its sessions.
            principal = await self.access.key_principal(session.key_id)
        else:
            principal = Principal(session.key_id, session.scopes, session.districts)
        return (session, principal) if principal is not None else (None, None)

    def _anonymous_csrf(
        self, scope: Scope, cookies: dict[str, str], set_cookies: list[bytes]
    ) -> dict[str, str]:
        """The sign-in form's token (a cookie made when there is none) and, when OpenID Connect
        sign-in is configured, the provider's name for its button."""
        token = self.sessions.csrf_token(cookies.get(CSRF_COOKIE))
        if token is None:
            value, token = self.sessions.new_csrf()
            set_cookies.append(self._cookie(scope, CSRF_COOKIE, value, CSRF_MAX_AGE_S))
        told = {CSRF_HEADER: token}
        if self.oidc is not None:
            told[PROVIDER_HEADER] = self.settings.oidc_provider_name
        return told

    def _cookie(
        self, scope: Scope, name: str, value: str | None, max_age: int = 0, **kw: str
    ) -> bytes:
        https = scope.get("scheme") == "https"
        return self.sessions.cookie(name, value, https=https, max_age=max_age, **kw)

    # --- sign-in with an API key, sign-out -------------------------------------------------

    async def _sign_in(
        self,
        upstream: Upstream,
        scope: Scope,
        receive: Receive,
        send: Send,
        cookies: dict[str, str],
        visitor: Visitor,
    ) -> None:
        _refuse_if(await self.limits.spend_credential(visitor), "credential")
        form = await self._form(scope, receive)
        next_ = safe_next(form.get("next"))
        current = self.sessions.read(cookies.get(SESSION_COOKIE))  # signing in again: its form
        expected = current.csrf if current else self.sessions.csrf_token(cookies.get(CSRF_COOKIE))
        if not same(form.get("csrf"), expected):
            await self._sign_in_page(upstream, scope, send, cookies, visitor, next_, "expired_form")
            return
        secret = form.get("api_key", "").strip()
        principal = await self.access.authenticate_key(secret) if secret else None
        if principal is None:
            refused = await self.limits.spend_auth_failure(_client_host(scope))
            reason = "too_many_attempts" if refused is not None else "invalid_key"
            await self._sign_in_page(upstream, scope, send, cookies, visitor, next_, reason)
            return
        _, value = self.sessions.for_key(principal)
        await _redirect(
            send,
            next_,
            [
                self._cookie(scope, SESSION_COOKIE, value, self.sessions.max_age),
                self._cookie(scope, CSRF_COOKIE, None),
            ],
        )

    async def _sign_out(
        self,
        upstream: Upstream,
        scope: Scope,
        receive: Receive,
        send: Send,
        cookies: dict[str, str],
        visitor: Visitor,
    ) -> None:
        _refuse_if(await self.limits.spend_credential(visitor), "credential")
        form = await self._form(scope, receive)
        session, principal = await self._session(cookies.get(SESSION_COOKIE))
        if (
            session is not None
            and principal is not None
            and not same(session.csrf, form.get("csrf"))
        ):
            # Not from the dashboard's own form: the session stays; the service says so.
            told = {CSRF_HEADER: session.csrf, ERROR_HEADER: "forged_sign_out"}
            page = _rewritten(scope, path=SIGN_OUT, extra=told)
            await self._forward(upstream, page, None, send, principal)
            return
        await _redirect(send, SIGN_IN, [self._cookie(scope, SESSION_COOKIE, None)])

    async def _sign_in_page(
        self,
        upstream: Upstream,
        scope: Scope,
        send: Send,
        cookies: dict[str, str],
        visitor: Visitor,
        next_: str,
        error: str,
        set_cookies: Iterable[bytes] = (),
    ) -> None:
        """The service's sign-in page, saying why the last attempt failed."""
        set_list = list(set_cookies)
        told = {**self._anonymous_csrf(scope, cookies, set_list), ERROR_HEADER: error}
        page = _rewritten(scope, path=SIGN_IN, query={"next": next_}, extra=told)
        await self._forward(upstream, page, None, _with_cookies(send, set_list), visitor)

    async def _form(self, scope: Scope, receive: Receive) -> dict[str, str]:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        body = await self._read_body(scope, receive, headers)
        if not isinstance(body, bytes):
            raise ProblemError(413, "The sign-in form is too large.")
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        try:
            form = await Request(scope, replay).form(max_files=0, max_fields=10)
        except Exception:  # a malformed body is an empty form: its CSRF check fails
            return {}
        return {k: v for k, v in form.items() if isinstance(v, str)}

    # --- OpenID Connect: authorization code with PKCE --------------------------------------

    async def _start_oidc(self, scope: Scope, send: Send, visitor: Visitor) -> None:
        assert self.oidc is not None
        _refuse_if(await self.limits.spend_credential(visitor), "credential")
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        flow, value = self.sessions.new_flow(safe_next(query.get("next")))
        target = self.oidc.authorization_redirect(flow, self._redirect_uri(scope))
        cookie = self._cookie(scope, FLOW_COOKIE, value, FLOW_MAX_AGE_S, path=FLOW_PATH)
        await _redirect(send, target, [cookie])

    async def _finish_oidc(
        self,
        upstream: Upstream,
        scope: Scope,
        send: Send,
        cookies: dict[str, str],
        visitor: Visitor,
    ) -> None:
        assert self.oidc is not None
        _refuse_if(await self.limits.spend_credential(visitor), "credential")
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        flow = self.sessions.read_flow(cookies.get(FLOW_COOKIE))
        spent = self._cookie(scope, FLOW_COOKIE, None, path=FLOW_PATH)  # one use only
        try:
            principal = await self.oidc.complete(
                flow, query.get("state"), query.get("code"), self._redirect_uri(scope)
            )
        except SignInFailed as exc:
            logger.warning("OpenID Connect sign-in failed: %s", exc)
            refused = await self.limits.spend_auth_failure(_client_host(scope))
            reason = "too_many_attempts" if refused is not None else "oidc_failed"
            next_ = flow.next if flow is not None else HOME
            await self._sign_in_page(
                upstream, scope, send, cookies, visitor, next_, reason, [spent]
            )
            return
        session, value = self.sessions.for_user(principal)
        set_cookies = [
            spent,
            self._cookie(scope, SESSION_COOKIE, value, self.sessions.max_age),
            self._cookie(scope, CSRF_COOKIE, None),
        ]
        # The provider's redirect is cross-site, so a SameSite=Strict cookie set now would not
        # go with a redirect onwards: the service's "signed in" page moves on from this site.
        assert flow is not None
        page = _rewritten(
            scope, path=SIGNED_IN, query={"next": flow.next}, extra={CSRF_HEADER: session.csrf}
        )
        await self._forward(upstream, page, None, _with_cookies(send, set_cookies), principal)

    def _redirect_uri(self, scope: Scope) -> str:
        assert self.oidc is not None
        host = next((v for k, v in scope["headers"] if k == b"host"), b"").decode("latin-1")
        return self.oidc.redirect_uri(scope.get("scheme", "http"), host)


def _client_host(scope: Scope) -> str:
    return str((scope.get("client") or ("unknown", 0))[0])


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for key, value in scope["headers"]:
        if key == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is no cookie
                continue
    return {name: morsel.value for name, morsel in jar.items()}


def _rewritten(
    scope: Scope,
    *,
    path: str | None = None,
    query: dict[str, str] | None = None,
    extra: dict[str, str],
) -> Scope:
    """The request as the service gets it: no cookies, the gateway's `x-hub-*` headers; with
    `path`, a GET of that page instead (the gateway's answer rendered by the service)."""
    headers = [(k, v) for k, v in scope["headers"] if k not in DROPPED]
    headers += [(k.encode(), v.encode("latin-1")) for k, v in extra.items()]
    changed: dict[str, object] = {"headers": headers}
    if path is not None:
        changed |= {
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "query_string": urlencode(query or {}).encode(),
        }
    return {**scope, **changed}


def _with_cookies(send: Send, cookies: list[bytes]) -> Send:
    if not cookies:
        return send

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            extra = [(b"set-cookie", c) for c in cookies]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


async def _redirect(send: Send, location: str, cookies: list[bytes]) -> None:
    headers = [
        (b"location", location.encode("latin-1")),
        (b"content-length", b"0"),
        (b"cache-control", b"no-store"),
        *((b"set-cookie", c) for c in cookies),
    ]
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
