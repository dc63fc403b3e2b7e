"""Rate limits per credential and per client address for failed authentication: in one
gateway, and shared by two gateway processes through Redis (required in CI)."""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from gateway.ratelimit import RateLimits, retry_after_seconds, storage_for
from hub.ports import free_port
from shared.auth import Principal, hash_secret
from tests.conftest import assert_problem
from tests.support.gateways import gateway_process

REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> str:
    where = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((where.hostname, where.port or 6379), timeout=2):
            pass
    except OSError as exc:
        message = f"Redis at {where.hostname}:{where.port or 6379} is unreachable ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI needs it for the shared rate limit", pytrace=False)
        pytest.skip(message + ": the shared rate limit is tested in CI (CI=true)")
    return REDIS_URL


def test_retry_after_is_whole_seconds_and_at_least_one() -> None:
    assert retry_after_seconds(0.01) == 1
    assert retry_after_seconds(1.2) == 2
    assert retry_after_seconds(-3) == 1


async def test_each_credential_has_its_own_allowance() -> None:
    limits = RateLimits(storage_for(None), "2/minute", "1/minute")
    alice, bob = Principal("alice"), Principal("bob")
    assert await limits.spend_credential(alice) is None
    assert await limits.spend_credential(alice) is None
    refused = await limits.spend_credential(alice)
    assert refused is not None
    assert 1 <= refused.retry_after_s <= 120
    assert await limits.spend_credential(bob) is None
    assert await limits.spend_auth_failure("10.0.0.1") is None
    assert await limits.spend_auth_failure("10.0.0.1") is not None
    assert await limits.spend_auth_failure("10.0.0.2") is None


async def test_an_empty_limit_is_off() -> None:
    limits = RateLimits(storage_for(None), "", "")
    for _ in range(50):
        assert await limits.spend_credential(Principal("alice")) is None


async def test_an_unreachable_storage_lets_requests_through() -> None:
    # A limit must not take the API down with Redis: calls go on, unlimited, until it is back.
    limits = RateLimits(storage_for(f"redis://127.0.0.1:{free_port()}/0"), "1/minute", "")
    for _ in range(5):
        assert await limits.spend_credential(Principal("alice")) is None


def test_two_gateways_share_one_limit_through_redis(redis_url: str, tmp_path: Path) -> None:
    # A key id of this run only, so counters left in Redis by earlier runs do not count.
    key_id, secret = f"replica-test-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    dead = f"http://127.0.0.1:{free_port()}"
    env = {
        "HUB_REDIS_URL": redis_url,
        "HUB_API_KEYS": f"{key_id}:{hash_secret(secret)}:kpi:read",
        "HUB_ACTIVITY_URL": dead,
        "HUB_SURVEY_URL": dead,
        "HUB_KPI_URL": dead,
        "GATEWAY_RATE_LIMIT": "4/minute",
        "GATEWAY_AUTH_FAILURE_LIMIT": "1000/minute",
        "GATEWAY_BREAKER_FAILURES": "1000",
        "GATEWAY_RETRIES": "0",
    }
    with (
        gateway_process(env, tmp_path / "a.log") as first,
        gateway_process(env, tmp_path / "b.log") as second,
    ):
        headers = {"X-API-Key": secret}
        statuses = [
            httpx.get(base + "/api/v1/kpis", headers=headers, timeout=10).status_code
            for base in (first, second, first, second)
        ]
        assert statuses == [502, 502, 502, 502]  # let through (the upstream is down)
        for base in (first, second):
            refused = httpx.get(base + "/api/v1/kpis", headers=headers, timeout=10)
            body = assert_problem(refused, 429)
            assert "slow down" in body["detail"]
            assert int(refused.headers["retry-after"]) >= 1
        # The bootstrap key is another credential, with its own allowance.
        other = httpx.get(
            first + "/api/v1/kpis",
            headers={"X-API-Key": os.environ["HUB_BOOTSTRAP_API_KEY"]},
            timeout=10,
        )
        assert other.status_code == 502
        rejected = httpx.get(first + "/metrics", timeout=10).text
        assert 'hub_gateway_rate_limited_total{limit="credential"}' in rejected


def test_failed_authentication_is_limited_per_address_across_replicas(
    redis_url: str, tmp_path: Path
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    # Loopback addresses of their own, so other tests' failures from 127.0.0.1 do not count.
    address = (
        f"127.{secrets.randbelow(200) + 20}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 2}"
    )
    env = {
        "HUB_REDIS_URL": redis_url,
        "HUB_KPI_URL": dead,
        "GATEWAY_AUTH_FAILURE_LIMIT": "3/minute",
    }
    with (
        gateway_process(env, tmp_path / "a.log") as first,
        gateway_process(env, tmp_path / "b.log") as second,
    ):
        transport = httpx.HTTPTransport(local_address=address)
        with httpx.Client(transport=transport, timeout=10) as client:
            statuses = [
                client.get(base + "/api/v1/kpis", headers={"X-API-Key": f"guess-{i}"}).status_code
                for i, base in enumerate((first, second, first, second))
            ]
        assert statuses == [401, 401, 401, 429]
