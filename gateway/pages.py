"""The dashboard's pages pass through the gateway to the service that renders them.

No API key here: a browser signs in on the dashboard itself and carries a session cookie,
which the service checks. The gateway still routes, rate-limits (by caller address), reads
bodies against the clock, times out, sets request ids and security headers, as for the API.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from gateway.proxy import Proxy, _ClientGone, _refuse_if, send_problem
from gateway.upstreams import PAGES
from shared.auth import Principal
from shared.problems import ProblemError


class PageProxy(Proxy):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        root = scope.get("root_path", "").rstrip("/")
        name = PAGES[root.rsplit("/", 1)[-1]]
        client_host = (scope.get("client") or ("unknown", 0))[0]
        visitor = Principal(f"addr:{client_host}")
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            _refuse_if(await self.limits.spend_credential(visitor), "credential")
            body = await self._read_body(scope, receive, headers)
        except ProblemError as exc:
            await send_problem(
                send, exc.status, exc.detail or exc.title, scope["path"], exc.headers
            )
            return
        except _ClientGone:
            return
        await self._forward(self.upstreams[name], scope, body, send, visitor)
