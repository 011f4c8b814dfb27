"""The conversation lock's protocol on Redis, shared by the router's lock (bot/conversation_locks.py) and the
USSD session store, which takes the same lock in the same round trip as the session load (ussd/session.py).

A phone is one conversation on every channel, so both must agree on the key, the token and the release.

The hold is short and renewed while its holder lives (LockKeeper): a lock whose process was killed frees in
HOLD_SECONDS, so a member who writes or redials after a crash is not kept waiting for a dead turn.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Sequence
from typing import Any

from redis.exceptions import NoScriptError

from core.redis_wire import Arg, RedisWire
from core.unique_ids import UniqueIds

log = logging.getLogger(__name__)

LOCK_PREFIX = "ibimina:conversation:"
HOLD_SECONDS = 8.0  # a lock whose holder died expires after this; a living holder's is renewed
RENEW_SECONDS = 2.5  # how often a living holder renews: leaves an event loop 5 s of stall before it loses a lock
LONGEST_TURN_SECONDS = 120.0  # a turn holding its lock longer is stuck: the lock is let expire
# Delete the lock only if it still holds our token: one that expired while held may be someone else's now.
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
# KEYS: locks. ARGV: the hold (ms), then each lock's token. Extends those still ours; returns how many.
RENEW = """
local renewed = 0
for i, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[i + 1] then
    redis.call('pexpire', key, ARGV[1])
    renewed = renewed + 1
  end
end
return renewed
"""

_tokens = UniqueIds(":")  # unique across processes and hosts, forked workers included


def new_token() -> str:
    return _tokens.new()


class Script:
    """A Lua script called by hash, sent in full the first time a Redis has not seen it (or after a flush)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1

    async def __call__(self, redis: RedisWire, keys: Sequence[str], args: Sequence[Arg]) -> Any:
        try:
            return await redis.call("EVALSHA", self.sha, len(keys), *keys, *args)
        except NoScriptError:
            return await redis.call("EVAL", self.source, len(keys), *keys, *args)


release_script = Script(RELEASE)
renew_script = Script(RENEW)


class LockKeeper:
    """Renews the conversation locks this process holds, all of them in one script call every `every`
    seconds, while it holds any (the task stops when none are left and starts again with the next).
    A holder registers a lock with `keep` once it is taken and `drop`s it before giving it back."""

    def __init__(self, redis: RedisWire, *, hold_ms: int, every: float = RENEW_SECONDS,
                 longest: float = LONGEST_TURN_SECONDS) -> None:  # fmt: skip
        self.redis = redis
        self.hold_ms = hold_ms
        self.every = every
        self.longest = longest
        self._held: dict[tuple[str, str], float] = {}  # (key, token): when it was taken (monotonic)
        self._task: asyncio.Task[None] | None = None

    def keep(self, key: str, token: str) -> None:
        self._held[(key, token)] = time.monotonic()
        task = self._task
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            self._task = asyncio.get_running_loop().create_task(self._renew_while_held())

    def drop(self, key: str, token: str) -> None:
        self._held.pop((key, token), None)

    async def _renew_while_held(self) -> None:
        while self._held:
            await asyncio.sleep(self.every)
            try:
                await self.renew()
            except Exception:  # noqa: BLE001 - Redis away: the locks expire by themselves, as if we had died
                log.warning("could not renew %d conversation locks", len(self._held), exc_info=True)

    async def renew(self) -> int:
        """Extend every lock still held and still ours; returns how many were."""
        too_old = time.monotonic() - self.longest
        for held, since in list(self._held.items()):
            if since < too_old:
                log.error("conversation lock %s held over %.0f s: its turn looks stuck, letting it expire",
                          held[0], self.longest)  # fmt: skip
                del self._held[held]
        if not self._held:
            return 0
        keys, tokens = zip(*self._held, strict=True)
        renewed: int = await renew_script(self.redis, keys, [self.hold_ms, *tokens])
        if renewed < len(keys):  # expired while held (a stall longer than the hold): someone else's now
            log.warning("%d of %d conversation locks had expired before renewal", len(keys) - renewed, len(keys))
        return renewed
