"""One update at a time per conversation: a Redis lock, or a PostgreSQL advisory lock without Redis."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from sqlalchemy import text

from core.conversations.redis_lock import (
    HOLD_SECONDS,
    LOCK_PREFIX,
    RENEW_SECONDS,
    LockKeeper,
    new_token,
    release_script,
)
from core.db.database import Database
from core.redis_wire import RedisWire

LOCK_NAMESPACE = 7_210_005  # pg advisory lock class for conversations (audit uses 7_210_002)
WAIT_SECONDS = 15.0  # how long a second message waits for the first before giving up


class ConversationBusy(Exception):
    """The conversation stayed locked longer than WAIT_SECONDS (a stuck earlier message)."""


class ConversationLocks(Protocol):
    def hold(self, key: str) -> AbstractAsyncContextManager[None]: ...


def _key_number(key: str) -> int:
    """A stable signed 32-bit number for the advisory lock (collisions only serialise two conversations)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big", signed=True)


class RedisConversationLocks:
    """Shared across processes and hosts; the lock expires by itself if a worker dies holding it, and is
    renewed while its holder lives (core.conversations.redis_lock.LockKeeper).

    One SET NX PX to take it and one script call to give it back: the same protocol as redis-py's Lock,
    without its per-use object, thread-local token and uuid, which cost a USSD hop more than the round trips.
    """

    def __init__(self, redis: RedisWire, *, prefix: str = LOCK_PREFIX, hold: float = HOLD_SECONDS,
                 wait: float = WAIT_SECONDS, poll: float = 0.02, renew: float = RENEW_SECONDS) -> None:
        self.redis = redis
        self.prefix = prefix
        self.hold_ms = int(hold * 1000)
        self.keeper = LockKeeper(redis, hold_ms=self.hold_ms, every=renew)
        self.wait_seconds = wait
        self.poll = poll

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        name, token = self.prefix + key, new_token()
        deadline = time.monotonic() + self.wait_seconds
        while not await self.redis.call("SET", name, token, "NX", "PX", self.hold_ms):
            if time.monotonic() >= deadline:
                raise ConversationBusy(key)
            await asyncio.sleep(self.poll)
        self.keeper.keep(name, token)
        try:
            yield
        finally:
            self.keeper.drop(name, token)
            await release_script(self.redis, [name], [token])


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


def make_locks(db: Database, redis: RedisWire | None) -> ConversationLocks:
    return RedisConversationLocks(redis) if redis is not None else PostgresConversationLocks(db)
