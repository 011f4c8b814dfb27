"""Both rate limiters (Redis, and the PostgreSQL fallback used without REDIS_URL) behave the same."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from core.db.database import Database
from core.identity.ratelimit import Limit, RateLimiter
from core.identity.ratelimit_pg import PostgresRateLimiter
from core.identity.ratelimit_redis import RedisRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["postgres", "redis"])
async def limiter(
    request: pytest.FixtureRequest, db: Database, redis_url: str
) -> AsyncIterator[tuple[RateLimiter, Clock]]:
    clock, secret = Clock(), secrets.token_bytes(16)
    if request.param == "postgres":
        yield PostgresRateLimiter(db, secret, clock), clock
        return
    client: Redis = Redis.from_url(redis_url)
    yield RedisRateLimiter(client, secret, clock), clock
    await client.aclose()


async def test_acquire_counts_only_allowed_events_and_reports_retry(
    limiter: tuple[RateLimiter, Clock],
) -> None:
    rl, clock = limiter
    limits = (Limit(1, 60), Limit(5, 3600))
    assert (await rl.acquire("otp-send:a", *limits)).allowed
    refused = await rl.acquire("otp-send:a", *limits)
    assert not refused.allowed and refused.retry_after == 60
    clock.now += 30
    assert (await rl.acquire("otp-send:a", *limits)).retry_after == 30
    for _ in range(4):
        clock.now += 61
        assert (await rl.acquire("otp-send:a", *limits)).allowed
    clock.now += 61
    sixth = await rl.acquire("otp-send:a", *limits)
    assert not sixth.allowed and sixth.retry_after > 3000  # the hourly limit, not the minute one
    assert (await rl.acquire("otp-send:b", *limits)).allowed  # another key is untouched


async def test_add_records_failures_check_looks_clear_forgets(limiter: tuple[RateLimiter, Clock]) -> None:
    rl, clock = limiter
    limit = Limit(3, 900)
    for expected_allowed in (True, True, False):
        assert (await rl.add("login:x", limit)).allowed is expected_allowed
    looked = await rl.check("login:x", limit)
    assert not looked.allowed and looked.retry_after == 900 and looked.count == 3
    clock.now += 901
    assert (await rl.check("login:x", limit)).allowed
    await rl.add("login:x", limit)
    await rl.clear("login:x")
    assert (await rl.check("login:x", limit)).count == 0
