"""The conversation lock's protocol on Redis, shared by the router's lock (bot/conversation_locks.py) and the
USSD session store, which takes the same lock in the same round trip as the session load (ussd/session.py).

A phone is one conversation on every channel, so both must agree on the key, the token and the release.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from redis.exceptions import NoScriptError

from core.redis_wire import Arg, RedisWire
from core.unique_ids import UniqueIds

LOCK_PREFIX = "ibimina:conversation:"
HOLD_SECONDS = 30.0  # the lock expires after this even if its holder died
# Delete the lock only if it still holds our token: one that expired while held may be someone else's now.
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

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
