"""Per-caller rate limits at the gateway, kept by the `limits` library.

One limit per credential (`credential_id`), and one per client address for failed
authentication (guessing keys is slow). Counters live in this process by default; with
`HUB_REDIS_URL` they live in Redis, so every gateway replica spends from the same counters and
N replicas enforce one limit, not N. The sliding-window-counter strategy costs one counter
read-and-increment per request (one Redis round trip, a Lua script, when shared).

In process, the library's synchronous memory storage is used: a counter update takes no
await, where its asyncio one starts an expiry task on every update (measured: ~70 us of
gateway CPU per request, against ~15 us).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse, storage, strategies
from limits.aio import storage as aio_storage
from limits.aio import strategies as aio_strategies

from shared.auth import Principal

logger = logging.getLogger("hub.gateway")

# While the shared storage fails, requests are let through (a limit must not take the API
# down with Redis), and the storage is tried again after this long.
STORAGE_RETRY_S = 1.0


def credential_id(principal: Principal) -> str:
    """What a credential's limit is counted by: the one place that knows what identifies a
    caller (today the key id of `shared.auth`)."""
    return principal.key_id


Storage = storage.MemoryStorage | aio_storage.Storage


def storage_for(redis_url: str | None) -> Storage:
    if not redis_url:
        return storage.MemoryStorage()
    # limits' async Redis storage wants its own scheme; `redis://` and `rediss://` are what
    # operators write.
    url = redis_url if redis_url.startswith("async+") else "async+" + redis_url
    shared = storage.storage_from_string(url)
    assert isinstance(shared, aio_storage.Storage)
    return shared


@dataclass(frozen=True)
class Refusal:
    """A request over its limit: what to tell the caller."""

    retry_after_s: int


class RateLimits:
    """The gateway's two limits over one storage: per credential, and per client address for
    failed authentication. A limit string is `limits` notation, e.g. `1000/second`,
    `20/minute`; an empty one turns that limit off."""

    def __init__(self, counters: Storage, per_credential: str, auth_failures: str) -> None:
        self.storage = counters
        self.local = (
            strategies.SlidingWindowCounterRateLimiter(counters)
            if isinstance(counters, storage.MemoryStorage)
            else None
        )
        self.shared = (
            aio_strategies.SlidingWindowCounterRateLimiter(counters)
            if isinstance(counters, aio_storage.Storage)
            else None
        )
        self.per_credential = _item(per_credential)
        self.auth_failures = _item(auth_failures)
        self._storage_down_until = 0.0

    async def spend_credential(self, principal: Principal) -> Refusal | None:
        return await self._spend(self.per_credential, "key", credential_id(principal))

    async def spend_auth_failure(self, client_address: str) -> Refusal | None:
        return await self._spend(self.auth_failures, "addr", client_address)

    async def _spend(self, item: RateLimitItem | None, kind: str, who: str) -> Refusal | None:
        if item is None or time.monotonic() < self._storage_down_until:
            return None
        try:
            if self.local is not None:
                if self.local.hit(item, kind, who):
                    return None
                stats = self.local.get_window_stats(item, kind, who)
            else:
                assert self.shared is not None
                if await self.shared.hit(item, kind, who):
                    return None
                stats = await self.shared.get_window_stats(item, kind, who)
        except Exception as exc:  # the storage's own errors (Redis unreachable, …)
            self._storage_down_until = time.monotonic() + STORAGE_RETRY_S
            logger.warning("rate-limit storage failed, letting requests through: %r", exc)
            return None
        return Refusal(retry_after_seconds(stats.reset_time - time.time()))


def _item(limit: str) -> RateLimitItem | None:
    return parse(limit) if limit.strip() else None


def retry_after_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds))
