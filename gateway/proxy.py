"""The forwarding itself: a pure ASGI app mounted at /api/v1.

Authenticates, picks the upstream by the first path segment, strips hop-by-hop headers, sets
`X-Forwarded-*` and `X-Request-ID`, and streams both bodies. Upstream refused -> 502, upstream
too slow -> 504, both as problem documents and fast.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import aiohttp
from starlette.types import Receive, Scope, Send

from gateway.access import Access
from gateway.identity import CREDENTIAL_HEADERS
from gateway.ratelimit import TokenBuckets, retry_after_header
from gateway.upstreams import ROUTES, Upstream
from shared.auth import Principal
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


class Proxy:
    def __init__(
        self, upstreams: dict[str, Upstream], access: Access, limits: TokenBuckets
    ) -> None:
        self.upstreams = upstreams
        self.access = access
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        path: str = scope["path"]
        root = scope.get("root_path", "")
        sub = path[len(root) :] if root and path.startswith(root) else path
        segment = sub.lstrip("/").split("/", 1)[0]
        try:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            principal = await self._authenticate_within_limits(headers, scope)
            self.access.authorise(principal, scope["method"], sub)
            upstream = self._route(segment, path)
        except ProblemError as exc:
            await _problem(send, exc.status, exc.detail or exc.title, path, exc.headers)
            return
        await self._forward(upstream, scope, receive, send, principal)

    async def _authenticate_within_limits(self, headers: dict[str, str], scope: Scope) -> Principal:
        client_host = (scope.get("client") or ("unknown", 0))[0]
        try:
            principal = await self.access.authenticate(headers)
        except ProblemError:
            # Failed attempts spend from the caller address's bucket: guessing keys is slow.
            self._spend(f"addr:{client_host}")
            raise
        self._spend(f"key:{principal.key_id}")
        return principal

    def _spend(self, bucket: str) -> None:
        wait = self.limits.take(bucket)
        if wait is not None:
            raise ProblemError(
                429,
                "Too many requests for these credentials; slow down and retry later.",
                headers={"Retry-After": retry_after_header(wait)},
            )

    def _route(self, segment: str, path: str) -> Upstream:
        name = ROUTES.get(segment)
        if name is None:
            raise ProblemError(404, f"No resource at {path}")
        return self.upstreams[name]

    async def _forward(
        self, upstream: Upstream, scope: Scope, receive: Receive, send: Send, principal: Principal
    ) -> None:
        path: str = scope["path"]
        query = scope.get("query_string", b"")
        url = upstream.base_url + path + ("?" + query.decode("latin-1") if query else "")
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in scope["headers"]
            if k not in HOP_BY_HOP and k not in CREDENTIAL_HEADERS
        ]
        client_host = (scope.get("client") or ("unknown", 0))[0]
        host = next((v for k, v in scope["headers"] if k == b"host"), b"")
        headers += [
            ("x-forwarded-for", client_host),
            ("x-forwarded-proto", scope.get("scheme", "http")),
            ("x-forwarded-host", host.decode("latin-1")),
            ("x-request-id", current_request_id() or ""),
        ]
        identity = self.access.forwarder.header(principal, current_request_id())
        if identity is not None:
            headers.append(identity)
        body = _RequestBody(receive)
        data = await body.first() if scope["method"] in ("POST", "PUT", "PATCH", "DELETE") else None
        assert upstream.session is not None, "upstream sessions open in the lifespan"
        started = False
        try:
            async with upstream.session.request(
                scope["method"], url, headers=headers, data=data, allow_redirects=False
            ) as response:
                started = True
                await send(
                    {
                        "type": "http.response.start",
                        "status": response.status,
                        "headers": [
                            (k.lower(), v)
                            for k, v in response.raw_headers
                            if k.lower() not in RESPONSE_DROP
                        ],
                    }
                )
                length = response.content_length
                if length is not None and length <= WHOLE_BODY_BYTES:
                    # Small answers (nearly all) go on in one message.
                    await send({"type": "http.response.body", "body": await response.read()})
                    return
                async for chunk in response.content.iter_any():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except (aiohttp.ClientError, TimeoutError) as exc:
            if body.error is not None:
                # The request body broke off (too large, client gone): that is the answer.
                raise body.error from exc
            if started:
                # The answer was under way: nothing left to say but to cut the connection.
                raise
            if isinstance(exc, aiohttp.ClientConnectorError) and not isinstance(exc, TimeoutError):
                logger.warning("upstream %s unreachable: %s", upstream.name, exc)
                await _problem(send, 502, f"The {upstream.name} service is unreachable.", path)
                return
            logger.warning("upstream %s failed on %s: %r", upstream.name, path, exc)
            if isinstance(exc, TimeoutError):
                detail = f"The {upstream.name} service did not answer in time."
                await _problem(send, 504, detail, path)
            else:
                detail = f"The {upstream.name} service closed the connection without an answer."
                await _problem(send, 502, detail, path)


class _RequestBody:
    """The request body for aiohttp: bytes when it came in one message (a sized upload), else
    a stream; an error raised while reading it (size limit, disconnect) is kept to re-raise."""

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.error: BaseException | None = None

    async def first(self) -> bytes | AsyncIterator[bytes]:
        message = await self.receive()
        chunk: bytes = message.get("body", b"")
        if message["type"] == "http.disconnect" or not message.get("more_body", False):
            return chunk
        return self._rest(chunk)

    async def _rest(self, chunk: bytes) -> AsyncIterator[bytes]:
        try:
            yield chunk
            while True:
                message = await self.receive()
                if message["type"] == "http.disconnect":
                    return
                yield message.get("body", b"")
                if not message.get("more_body", False):
                    return
        except BaseException as exc:
            self.error = exc
            raise


async def _problem(
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
