"""Send pacing (GCRA): at most one message per `interval` on average with a `burst`, per key, across
processes with Redis, in-process without it. Used per provider and per recipient by delivery."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from redis.asyncio import Redis


@dataclass(frozen=True, slots=True)
class Pace:
    """`interval` seconds between messages on average, `burst` allowed back to back."""

    interval: float
    burst: int = 1


class Pacer(Protocol):
    async def reserve(self, key: str, pace: Pace) -> float:
        """0.0 when a message may go now (and counts it); otherwise the seconds to wait (nothing counted)."""
        ...


# KEYS[1]; ARGV: now_ms, interval_ms, tolerance_ms. The stored value is the theoretical arrival time.
_GCRA = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allow_at = tat - tolerance
if now < allow_at then return allow_at - now end
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil(new_tat - now + interval))
return 0
"""


class RedisPacer:
    def __init__(self, redis: Redis, clock: Callable[[], float] = time.time) -> None:
        self.redis = redis
        self.clock = clock
        self._script: Any = redis.register_script(_GCRA)

    async def reserve(self, key: str, pace: Pace) -> float:
        interval = int(pace.interval * 1000)
        wait = await self._script(
            keys=[f"pace:{key}"], args=[int(self.clock() * 1000), interval, interval * (pace.burst - 1)]
        )
        return float(wait) / 1000.0


class MemoryPacer:
    """One process (the embedded default runs delivery in-process)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._tat: dict[str, float] = {}

    async def reserve(self, key: str, pace: Pace) -> float:
        now = self.clock()
        tat = max(self._tat.get(key, now), now)
        allow_at = tat - pace.interval * (pace.burst - 1)
        if now < allow_at:
            return allow_at - now
        self._tat[key] = tat + pace.interval
        if len(self._tat) > 50_000:  # forget keys whose pace has long recovered
            self._tat = {k: v for k, v in self._tat.items() if v > now}
        return 0.0
