"""The forwarding itself: a pure ASGI app mounted at /api/v1.

Refuses dot segments, authenticates within the rate limits, picks the upstream by the first
path segment, reads the request body before opening an upstream call (a slow or stalled body
is a 408 and never holds an upstream connection; large uploads stream, under the same rate
rule), strips hop-by-hop headers, sets `X-Forwarded-*` and `X-Request-ID`, and streams the
answer. Per upstream: a circuit breaker (503 while open), retries of connect errors for calls
that are safe to resend, and fast problems when it fails: refused -> 502, too slow -> 504.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import AsyncIterator
from urllib.parse import quote

import aiohttp
from starlette.types import Message, Receive, Scope, Send
from yarl import URL

from gateway import metrics
from gateway.access import Access
from gateway.config import GatewaySettings
from gateway.identity import CREDENTIAL_HEADERS
from gateway.public import is_public_request
from gateway.ratelimit import RateLimits, Refusal
from gateway.upstreams import ROUTES, Upstream
from shared.auth import Principal, presented_secret
from shared.problems import PROBLEM_MEDIA_TYPE, ProblemError, problem_body
from shared.requestid import current_request_id

logger = logging.getLogger("hub.gateway")

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
        b"x-request-id",
    }
)
# The gateway's own server adds these; forwarding the upstream's would duplicate them.
RESPONSE_DROP = (HOP_BY_HOP - {b"content-length"}) | {b"date", b"server"}
# Answers up to this size are read whole and sent on in one message; larger ones stream.
WHOLE_BODY_BYTES = 1024 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Safe to send again after a connect error (nothing reached the service).
RESENDABLE_METHODS = frozenset({"GET", "HEAD"})


class Proxy:
    def __init__(
        self,
        upstreams: dict[str, Upstream],
        access: Access,
        limits: RateLimits,
        settings: GatewaySettings,
    ) -> None:
        self.upstreams = upstreams
        self.access = access
        self.limits = limits
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        path: str = scope["path"]
        root = scope.get("root_path", "")
        sub = path[len(root) :] if root and path.startswith(root) else path
        segment = sub.lstrip("/").split("/", 1)[0]
        try:
            if "/." in path and _has_dot_segment(path):
                raise ProblemError(
                    400, "The path holds a `.` or `..` segment (encoded or not); send it resolved."
                )
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            principal = await self.authenticate_within_limits(headers, scope)
            if not self._is_public(headers, scope):
                self.access.authorise(principal, scope["method"], sub)
            upstream = self._route(segment, path)
            body = await self._read_body(scope, receive, headers)
        except ProblemError as exc:
            await send_problem(send, exc.status, exc.detail or exc.title, path, exc.headers)
            return
        except _ClientGone:
            return
        await self._forward(upstream, scope, body, send, principal)

    def _is_public(self, headers: dict[str, str], scope: Scope) -> bool:
        return presented_secret(headers) is None and is_public_request(
            scope, police_uk_public=self.settings.police_uk_public
        )

    async def authenticate_within_limits(self, headers: dict[str, str], scope: Scope) -> Principal:
        client_host = (scope.get("client") or ("unknown", 0))[0]
        if self._is_public(headers, scope):
            # Public reads: no key; the caller address has a credential's allowance of its own.
            anonymous = Principal(f"addr:{client_host}")
            _refuse_if(await self.limits.spend_credential(anonymous), "credential")
            return anonymous
        try:
            principal = await self.access.authenticate(headers)
        except ProblemError:
            # Failed attempts spend from the caller address's allowance: guessing keys is slow.
            _refuse_if(await self.limits.spend_auth_failure(client_host), "auth_failure")
            raise
        _refuse_if(await self.limits.spend_credential(principal), "credential")
        return principal

    def _route(self, segment: str, path: str) -> Upstream:
        name = ROUTES.get(segment)
        if name is None:
            raise ProblemError(404, f"No resource at {path}")
        return self.upstreams[name]

    async def _read_body(
        self, scope: Scope, receive: Receive, headers: dict[str, str]
    ) -> bytes | _StreamedBody | None:
        if scope["method"] not in BODY_METHODS:
            return None
        clock = _BodyClock(self.settings, receive)
        limit = self.settings.max_body_bytes
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            return clock.stream([])  # an upload (the middleware allowed its size): streamed
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await clock.next()
            chunk: bytes = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)
            if size > limit:
                return clock.stream(chunks)  # a chunked upload: streamed from here on

    async def _forward(
        self,
        upstream: Upstream,
        scope: Scope,
        body: bytes | _StreamedBody | None,
        send: Send,
        principal: Principal,
    ) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        url = _upstream_url(upstream, scope)
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in scope["headers"]
            if k not in HOP_BY_HOP and k not in CREDENTIAL_HEADERS
        ]
        client_host = (scope.get("client") or ("unknown", 0))[0]
        host = next((v for k, v in scope["headers"] if k == b"host"), b"")
        idempotent = method in RESENDABLE_METHODS or any(
            k == b"idempotency-key" for k, _ in scope["headers"]
        )
        headers += [
            ("x-forwarded-for", client_host),
            ("x-forwarded-proto", scope.get("scheme", "http")),
            ("x-forwarded-host", host.decode("latin-1")),
            ("x-request-id", current_request_id() or ""),
        ]
        identity = self.access.forwarder.header(principal, current_request_id())
        if identity is not None:
            headers.append(identity)
        # A streamed body cannot be sent twice.
        resendable = idempotent and not isinstance(body, _StreamedBody)
        attempts = 1 + (self.settings.retries if resendable else 0)
        breaker = upstream.breaker
        assert upstream.session is not None, "upstream sessions open in the lifespan"
        for attempt in range(attempts):
            wait = breaker.retry_after()
            if wait is not None:
                metrics.CIRCUIT_REJECTIONS.labels(upstream.name).inc()
                detail = (
                    f"The {upstream.name} service is failing; calls to it are paused. Retry later."
                )
                await send_problem(send, 503, detail, path, {"Retry-After": str(wait)})
                return
            try:
                response = await upstream.session.request(
                    method, url, headers=headers, data=body, allow_redirects=False
                )
            except (aiohttp.ClientError, TimeoutError) as exc:
                if isinstance(body, _StreamedBody) and body.error is not None:
                    # The request body broke off (too slow, too large, client gone): that is
                    # the answer, and no fault of the upstream.
                    breaker.release()
                    if isinstance(body.error, _ClientGone):
                        return
                    raise body.error from exc
                breaker.record_failure()
                kind = _failure_kind(exc)
                metrics.UPSTREAM_FAILURES.labels(upstream.name, kind).inc()
                if kind == "connect" and attempt + 1 < attempts:
                    metrics.UPSTREAM_RETRIES.labels(upstream.name).inc()
                    # Full jitter, doubling: replicas retrying together do not arrive together.
                    backoff = self.settings.retry_backoff_s * (2**attempt)
                    await asyncio.sleep(random.uniform(0, backoff))
                    continue
                await _upstream_problem(send, upstream.name, kind, path, exc)
                return
            except BaseException:
                breaker.release()  # cancelled: the call neither failed nor succeeded
                raise
            breaker.record_success()
            break
        try:
            await _relay(upstream, response, send)
        finally:
            response.release()


async def _relay(upstream: Upstream, response: aiohttp.ClientResponse, send: Send) -> None:
    headers = []
    for key, value in response.raw_headers:
        name = key.lower()
        if name in RESPONSE_DROP:
            continue
        if name == b"location":
            value = upstream.public_location(value.decode("latin-1")).encode("latin-1")
        headers.append((name, value))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    length = response.content_length
    if length is not None and length <= WHOLE_BODY_BYTES:
        # Small answers (nearly all) go on in one message. An upstream failing from here on
        # cuts the connection: never a problem document after a 200 has begun.
        await send({"type": "http.response.body", "body": await response.read()})
        return
    async for chunk in response.content.iter_any():
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def _failure_kind(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connect"
    return "disconnected"


async def _upstream_problem(
    send: Send, name: str, kind: str, path: str, exc: BaseException
) -> None:
    # The cause goes to the log only: an internal address never reaches a caller.
    logger.warning("upstream %s failed on %s (%s): %r", name, path, kind, exc)
    if kind == "timeout":
        await send_problem(send, 504, f"The {name} service did not answer in time.", path)
    elif kind == "connect":
        await send_problem(send, 502, f"The {name} service is unreachable.", path)
    else:
        detail = f"The {name} service closed the connection without an answer."
        await send_problem(send, 502, detail, path)


def _has_dot_segment(path: str) -> bool:
    """`.` or `..` as a path segment. The server has percent-decoded the path, so `..%2f` and
    `%2e%2e/` show here as `../`: forwarded, they would reach another path of the service."""
    return any(segment in (".", "..") for segment in path.split("/"))


def _upstream_url(upstream: Upstream, scope: Scope) -> URL:
    """The upstream URL from the path as the client encoded it (decoding it here would turn an
    encoded `?` or `#` into a query or a fragment)."""
    raw_path: bytes | None = scope.get("raw_path")
    target = raw_path.decode("latin-1") if raw_path else quote(scope["path"])
    query: bytes = scope.get("query_string", b"")
    if query:
        target += "?" + query.decode("latin-1")
    return URL(upstream.base_url + target, encoded=True)


def _refuse_if(refusal: Refusal | None, limit: str) -> None:
    if refusal is not None:
        metrics.RATE_LIMITED.labels(limit).inc()
        raise ProblemError(
            429,
            "Too many requests for these credentials; slow down and retry later.",
            headers={"Retry-After": str(refusal.retry_after_s)},
        )


class _ClientGone(Exception):
    """The client disconnected before its body was complete: nobody to answer."""


class _BodyClock:
    """Reads body messages against the clock: each must come within the idle timeout, and the
    body as a whole must keep up the minimum rate once the grace period is over."""

    def __init__(self, settings: GatewaySettings, receive: Receive) -> None:
        self.receive = receive
        self.idle_s = settings.body_idle_timeout_s
        self.min_rate = settings.body_min_bytes_per_s
        self.deadline = time.monotonic() + settings.body_grace_s
        self.received = 0

    async def next(self) -> Message:
        wait = min(self.idle_s, self.deadline + self.received / self.min_rate - time.monotonic())
        if wait <= 0:
            raise _too_slow()
        try:
            async with asyncio.timeout(wait):
                message = await self.receive()
        except TimeoutError:
            raise _too_slow() from None
        if message["type"] == "http.disconnect":
            raise _ClientGone
        self.received += len(message.get("body", b""))
        return message

    def stream(self, first: list[bytes]) -> _StreamedBody:
        return _StreamedBody(self, first)


def _too_slow() -> ProblemError:
    metrics.BODY_TIMEOUTS.inc()
    return ProblemError(
        408,
        "The request body arrived too slowly or stalled; send it again.",
        headers={"Connection": "close"},
    )


class _StreamedBody:
    """A large body for aiohttp, read on as it is sent; an error raised while reading it (too
    slow, size limit, disconnect) is kept to answer with."""

    def __init__(self, clock: _BodyClock, first: list[bytes]) -> None:
        self.clock = clock
        self.first = first
        self.error: BaseException | None = None

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        try:
            for chunk in self.first:
                yield chunk
            while True:
                message = await self.clock.next()
                yield message.get("body", b"")
                if not message.get("more_body", False):
                    return
        except BaseException as exc:
            self.error = exc
            raise


async def send_problem(
    send: Send, status: int, detail: str, instance: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(problem_body(status, detail=detail, instance=instance)).encode()
    raw_headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
