"""Paths the gateway lets through without a credential.

Only the reads of the published data.police.uk API (`/api/v1/police-uk/...`), and only while
`HUB_POLICE_UK_PUBLIC` is on; CORS preflights of those paths always (a browser never sends
credentials on a preflight). They still spend from the caller address's rate-limit bucket,
like every unauthenticated request. The activity service applies the same setting itself.
"""

from __future__ import annotations

from starlette.types import Scope

POLICE_UK_PREFIX = "/api/v1/police-uk/"
READ_METHODS = frozenset({"GET"})


def is_public_request(scope: Scope, *, police_uk_public: bool) -> bool:
    if not scope["path"].startswith(POLICE_UK_PREFIX):
        return False
    method = scope["method"]
    return method == "OPTIONS" or (police_uk_public and method in READ_METHODS)
