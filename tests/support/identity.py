"""Identities as the gateway forwards them: for tests that call one service directly as a
caller with given scopes or districts."""

from __future__ import annotations

from collections.abc import Iterable

from shared.auth import IDENTITY_HEADER, IdentitySigner, Principal
from tests.conftest import TEST_INTERNAL_SECRET


def identity(
    scopes: Iterable[str], *, districts: Iterable[str] | None = None, caller: str = "caller"
) -> dict[str, str]:
    """Headers that make a service see `caller` with `scopes` (and `districts`), as if the
    gateway forwarded it. They replace the bootstrap key of the test clients."""
    principal = Principal(
        caller, frozenset(scopes), None if districts is None else frozenset(districts)
    )
    token = IdentitySigner(TEST_INTERNAL_SECRET).sign(principal, None)
    return {IDENTITY_HEADER: token, "X-API-Key": ""}
