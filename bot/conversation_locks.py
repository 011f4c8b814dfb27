"""One update at a time per conversation: a Redis lock, or a PostgreSQL advisory lock without Redis."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import NoScriptError
from sqlalchemy import text

from core.db.database import Database

LOCK_NAMESPACE = 7_210_005  # pg advisory lock class for conversations (audit uses 7_210_002)
HOLD_SECONDS = 30.0  # a Redis lock expires after this even if its holder died
WAIT_SECONDS = 15.0  # how long a second message waits for the first before giving up


class ConversationBusy(Exception):
    """The conversation stayed locked longer than WAIT_SECONDS (a stuck earlier message)."""


class ConversationLocks(Protocol):
    def hold(self, key: str) -> AbstractAsyncContextManager[None]: ...


def _key_number(key: str) -> int:
    """A stable signed 32-bit number for the advisory lock (collisions only serialise two conversations)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big", signed=True)


# Delete the lock only if it still holds our token: one that expired while held may be someone else's now.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
_RELEASE_SHA = hashlib.sha1(_RELEASE.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1


class RedisConversationLocks:
    """Shared across processes and hosts; the lock expires by itself if a worker dies holding it.

    One SET NX PX to take it and one script call to give it back: the same protocol as redis-py's Lock,
    without its per-use object, thread-local token and uuid, which cost a USSD hop more than the round trips.
    """

    def __init__(self, redis: Redis[Any], *, prefix: str = "ibimina:conversation:", hold: float = HOLD_SECONDS,
                 wait: float = WAIT_SECONDS, poll: float = 0.02) -> None:
        self.redis = redis
        self.prefix = prefix
        self.hold_ms = int(hold * 1000)
        self.wait_seconds = wait
        self.poll = poll
        self._owner = secrets.token_hex(6)  # tokens are unique across processes and hosts
        self._taken = itertools.count()

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        name, token = self.prefix + key, f"{self._owner}:{next(self._taken)}"
        deadline = time.monotonic() + self.wait_seconds
        while not await self.redis.set(name, token, nx=True, px=self.hold_ms):
            if time.monotonic() >= deadline:
                raise ConversationBusy(key)
            await asyncio.sleep(self.poll)
        try:
            yield
        finally:
            await self._release(name, token)

    async def _release(self, name: str, token: str) -> None:
        try:
            await self.redis.evalsha(_RELEASE_SHA, 1, name, token)
        except NoScriptError:  # first use on this Redis (or after SCRIPT FLUSH): send the script itself
            await self.redis.eval(_RELEASE, 1, name, token)


class PostgresConversationLocks:
    """The embedded default (no Redis): a transaction-scoped advisory lock on a connection of its own.

    The lock is released when that transaction ends, also if the process dies (the connection closes).
    """

    def __init__(self, db: Database, *, wait: float = WAIT_SECONDS) -> None:
        self.db = db
        self.wait_seconds = wait

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        async with self.db.engine.connect() as conn, conn.begin():
            await conn.execute(text(f"SET LOCAL lock_timeout = '{int(self.wait_seconds * 1000)}ms'"))
            try:
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:ns, :k)"), {"ns": LOCK_NAMESPACE, "k": _key_number(key)}
                )
            except Exception as exc:  # lock_timeout: asyncpg LockNotAvailableError wrapped by SQLAlchemy
                raise ConversationBusy(key) from exc
            yield


def make_locks(db: Database, redis: Redis[Any] | None) -> ConversationLocks:
    return RedisConversationLocks(redis) if redis is not None else PostgresConversationLocks(db)
