"""Sliding-window rate limits behind one interface: Redis when REDIS_URL is set, else PostgreSQL.

A key counts events (codes sent, failed sign-ins) in windows; `acquire` records an event only when every
limit allows it, `add` records unconditionally (a failure happened) and says whether the key is now over,
`check` only looks, `clear` forgets (a successful sign-in). Keys are HMAC'd before storage, so counters
never hold a raw phone number, email or address.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from core.crypto.keys import keyed_hash

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from core.db.database import Database


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `events` in any `window` seconds."""

    events: int
    window: int


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # seconds until the next event would be allowed (0 when allowed)
    count: int = 0  # events in the longest window, after this call


class RateLimiter(Protocol):
    async def acquire(self, key: str, *limits: Limit) -> Decision: ...

    async def add(self, key: str, *limits: Limit) -> Decision: ...

    async def check(self, key: str, *limits: Limit) -> Decision: ...

    async def clear(self, key: str) -> None: ...


class ModeLimiter:
    """The three counting modes over one `_run(key, limits, mode)`: what each storage implements once."""

    async def _run(self, key: str, limits: tuple[Limit, ...], mode: str) -> Decision:
        raise NotImplementedError

    async def acquire(self, key: str, *limits: Limit) -> Decision:
        """Count this attempt only if it is within the limits."""
        return await self._run(key, limits, "acquire")

    async def add(self, key: str, *limits: Limit) -> Decision:
        """Count this event whatever the limits say (failures), and say whether the key is now over."""
        return await self._run(key, limits, "add")

    async def check(self, key: str, *limits: Limit) -> Decision:
        """Whether the key is over its limits, counting nothing."""
        return await self._run(key, limits, "check")


def storage_key(secret: bytes, key: str) -> str:
    """The name a key is stored under: its readable prefix plus an HMAC of the rest."""
    prefix, _, rest = key.partition(":")
    return f"rl:{prefix}:{keyed_hash(secret, key)[:40]}"


def evaluate(now: float, times: Sequence[float], limits: Sequence[Limit]) -> tuple[int, int]:
    """(retry_after seconds, events in the longest window) for sorted event times; retry 0 means allowed."""
    retry = 0.0
    longest = max((lim.window for lim in limits), default=0)
    for lim in limits:
        inside = [t for t in times if t > now - lim.window]
        if len(inside) >= lim.events:
            # The window frees a slot when its (n - events)-th oldest event leaves it.
            leaves_at = inside[len(inside) - lim.events] + lim.window
            retry = max(retry, leaves_at - now)
    count = sum(1 for t in times if t > now - longest)
    return (max(1, math.ceil(retry)) if retry > 0 else 0), count


def make_rate_limiter(db: Database, redis: Redis | None, secret: bytes) -> RateLimiter:
    """The limiter for this deployment: Redis is shared and fast; PostgreSQL serves the embedded default."""
    if redis is not None:
        from core.identity.ratelimit_redis import RedisRateLimiter

        return RedisRateLimiter(redis, secret)
    from core.identity.ratelimit_pg import PostgresRateLimiter

    return PostgresRateLimiter(db, secret)
