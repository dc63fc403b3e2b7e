"""Free loopback ports, for starting the suite or one of its processes beside others (the
tests' and benchmarks' real processes)."""

from __future__ import annotations

import socket

from hub.services import SERVICES


def free_port() -> int:
    """A port nothing listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def free_port_block(size: int = 1 + len(SERVICES)) -> int:
    """A base port with `size` consecutive free ports: by default the gateway's and, after it,
    one per service (`hub up` puts each service at its offset from the gateway port)."""
    for _ in range(200):
        base = free_port()
        if base + size <= 65535 and all(_is_free(port) for port in range(base, base + size)):
            return base
    raise RuntimeError("no block of free ports found")


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
