"""An httpx transport that sends over aiohttp: the source clients keep httpx's interface (and
tests their in-process ASGI transports), the bytes go through aiohttp's C parser.

Measured against the activity service on a 2-core machine, client CPU per call: a small answer
0.54 ms with httpx's own transport (httpcore + h11, pure Python) against 0.11 ms; the
scorecard's 144 kB month x type answer 1.56 ms against 0.55 ms. A scorecard makes five source
calls, a series one.

Failures are raised as the httpx exceptions the clients already handle: a timeout as
`httpx.TimeoutException`, anything else on the way as `httpx.TransportError`.

Written here rather than taken from httpx-aiohttp (0.2): that package maps every aiohttp
connection error, a refused connection included, to `httpx.ConnectTimeout`, so a stopped
source would be reported as "did not answer in time" instead of "unreachable"; the reason a
KPI gives for `unavailable` is part of the answer.
"""

from __future__ import annotations

import aiohttp
import httpx
from yarl import URL


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session (pool of `max_connections`, idle ones kept `keepalive_s`), opened on
    the first request, in the loop that makes it."""

    def __init__(self, *, max_connections: int, keepalive_s: float) -> None:
        self._max_connections = max_connections
        self._keepalive_s = keepalive_s
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._max_connections, keepalive_timeout=self._keepalive_s
                ),
                # httpx decodes what the answer says it is encoded with; only the client's
                # own headers go out.
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding"),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=timeouts.get("pool"),
            sock_connect=timeouts.get("connect"),
            sock_read=timeouts.get("read"),
        )
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        try:
            async with self._open().request(
                request.method,
                URL(str(request.url), encoded=True),  # httpx has quoted it already
                headers=headers,
                data=await request.aread() or None,
                timeout=timeout,
                allow_redirects=False,
            ) as answer:
                body = await answer.read()
                return httpx.Response(
                    answer.status,
                    headers=[
                        (k.decode("latin-1"), v.decode("latin-1")) for k, v in answer.raw_headers
                    ],
                    content=body,
                    request=request,
                )
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "timed out", request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.NetworkError(str(exc) or type(exc).__name__, request=request) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
