"""One update at a time per conversation: a Redis lock, or a PostgreSQL advisory lock without Redis."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import LockError
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


class RedisConversationLocks:
    """Shared across processes and hosts; the lock expires by itself if a worker dies holding it."""

    def __init__(self, redis: Redis[Any], *, prefix: str = "ibimina:conversation:", hold: float = HOLD_SECONDS,
                 wait: float = WAIT_SECONDS) -> None:
        self.redis = redis
        self.prefix = prefix
        self.hold_seconds = hold
        self.wait_seconds = wait

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self.redis.lock(
            self.prefix + key, timeout=self.hold_seconds, blocking_timeout=self.wait_seconds, sleep=0.02
        )
        if not await lock.acquire():
            raise ConversationBusy(key)
        try:
            yield
        finally:
            with contextlib.suppress(LockError):  # expired while held: the next holder may have it already
                await lock.release()


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
