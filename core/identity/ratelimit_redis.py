"""The Redis rate limiter: a sorted set of event times per key, evaluated atomically in one Lua script."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis

from core.identity.ratelimit import Decision, Limit, ModeLimiter, storage_key

# KEYS[1] the key; ARGV: now_ms, mode (acquire|add|check), member, ttl_ms, then events,window_ms pairs.
# Returns {retry_ms, count_in_longest_window}.
_SCRIPT = """
local now = tonumber(ARGV[1])
local mode = ARGV[2]
local ttl = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
local function over()
  local retry = 0
  for i = 5, #ARGV, 2 do
    local max = tonumber(ARGV[i])
    local win = tonumber(ARGV[i + 1])
    local inside = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - win), '+inf', 'WITHSCORES')
    local n = #inside / 2
    if n >= max then
      local leaves = tonumber(inside[(n - max) * 2 + 2]) + win
      if leaves - now > retry then retry = leaves - now end
    end
  end
  return retry
end
local retry = over()
if mode == 'add' or (mode == 'acquire' and retry == 0) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ttl)
  if mode == 'add' then retry = over() end
end
return {retry, redis.call('ZCOUNT', KEYS[1], '(' .. (now - ttl), '+inf')}
"""


class RedisRateLimiter(ModeLimiter):
    def __init__(self, redis: Redis, secret: bytes, clock: Callable[[], float] = time.time) -> None:
        self.redis = redis
        self.secret = secret
        self.clock = clock
        self._script: Any = redis.register_script(_SCRIPT)

    async def clear(self, key: str) -> None:
        await self.redis.delete(storage_key(self.secret, key))

    async def _run(self, key: str, limits: tuple[Limit, ...], mode: str) -> Decision:
        now_ms = int(self.clock() * 1000)
        ttl_ms = max(lim.window for lim in limits) * 1000
        args: list[Any] = [now_ms, mode, f"{now_ms}-{secrets.token_hex(6)}", ttl_ms]
        for lim in limits:
            args += [lim.events, lim.window * 1000]
        retry_ms, count = await self._script(keys=[storage_key(self.secret, key)], args=args)
        retry = 0 if int(retry_ms) <= 0 else max(1, -(-int(retry_ms) // 1000))
        return Decision(allowed=retry == 0, retry_after=retry, count=int(count))
