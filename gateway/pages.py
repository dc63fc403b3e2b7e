"""The dashboard's pages pass through the gateway to the service that renders them.

No API key here: a browser signs in on the dashboard itself and carries a session cookie,
which the service checks (with the same key store). The gateway still routes, rate-limits
(by caller address), times out and sets request ids, as for the API.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from gateway.proxy import Proxy, _problem
from gateway.upstreams import PAGES
from shared.problems import ProblemError


class PageProxy(Proxy):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        root = scope.get("root_path", "").rstrip("/")
        name = PAGES[root.rsplit("/", 1)[-1]]
        client_host = (scope.get("client") or ("unknown", 0))[0]
        try:
            self._spend(f"addr:{client_host}")
        except ProblemError as exc:
            await _problem(send, exc.status, exc.detail or exc.title, scope["path"], exc.headers)
            return
        await self._forward(self.upstreams[name], scope, receive, send)
