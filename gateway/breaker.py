"""A circuit breaker per upstream: after repeated failures the gateway stops calling a service
and answers 503 at once (with `Retry-After`) until one probe call gets through.

Hand-written (the rule is a few lines of state): the asyncio breakers on PyPI did not fit.
`aiobreaker` is unmaintained (last release 2021); `purgatory`'s half-open state lets every
concurrent call through instead of one probe, and it runs an async unit of work and a message
bus on every call, which the proxy's hot path cannot afford (each forwarded call checks the
breaker twice).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from enum import Enum

logger = logging.getLogger("hub.gateway")


class CircuitState(Enum):
    CLOSED = 0
    OPEN = 1
    HALF_OPEN = 2


class CircuitBreaker:
    """`failures` consecutive failures open the circuit for `open_s` seconds; then the next call
    is the one probe (others still get 503 meanwhile): its success closes the circuit, its
    failure opens it again for another `open_s`."""

    def __init__(
        self,
        name: str,
        *,
        failures: int,
        open_s: float,
        on_change: Callable[[str, CircuitState], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.failures = failures
        self.open_s = open_s
        self.on_change = on_change
        self.clock = clock
        self.state = CircuitState.CLOSED
        self._consecutive = 0
        self._opened_at = 0.0
        self._probe_in_flight = False
        if on_change is not None:
            on_change(name, self.state)

    def retry_after(self) -> int | None:
        """None when a call may go ahead now (claiming the probe if one is due), else the
        seconds to tell the caller to wait."""
        if self.state is CircuitState.CLOSED:
            return None
        now = self.clock()
        if self.state is CircuitState.OPEN:
            remaining = self._opened_at + self.open_s - now
            if remaining > 0:
                return max(1, math.ceil(remaining))
            self._set(CircuitState.HALF_OPEN)
        if self._probe_in_flight:
            return 1
        self._probe_in_flight = True
        return None

    def record_success(self) -> None:
        self._consecutive = 0
        self._probe_in_flight = False
        if self.state is not CircuitState.CLOSED:
            logger.info("circuit for %s closed: the probe call succeeded", self.name)
            self._set(CircuitState.CLOSED)

    def record_failure(self) -> None:
        self._consecutive += 1
        probe_failed = self.state is CircuitState.HALF_OPEN
        self._probe_in_flight = False
        if probe_failed or (
            self.state is CircuitState.CLOSED and self._consecutive >= self.failures
        ):
            self._opened_at = self.clock()
            logger.warning(
                "circuit for %s open for %.1fs after %d failed calls",
                self.name,
                self.open_s,
                self._consecutive,
            )
            self._set(CircuitState.OPEN)

    def release(self) -> None:
        """The call that claimed the probe never reached the upstream: let another probe."""
        self._probe_in_flight = False

    def _set(self, state: CircuitState) -> None:
        self.state = state
        if self.on_change is not None:
            self.on_change(self.name, state)
