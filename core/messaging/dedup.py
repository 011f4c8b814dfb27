"""Webhook de-duplication across processes: Redis SET NX with a TTL, or a PostgreSQL table with a unique key."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert

from core.db.database import Database
from core.messaging.models import ProcessedWebhook
from core.redis_wire import RedisWire

RETENTION = timedelta(days=7)  # providers redeliver for days (Meta); keep keys at least that long


class Deduplicator(Protocol):
    async def first_time(self, provider: str, key: str) -> bool:
        """True exactly once per (provider, key) across every process sharing the store."""
        ...


class RedisDeduplicator:
    def __init__(self, redis: RedisWire, ttl: timedelta = RETENTION) -> None:
        self.redis = redis
        self.ttl = int(ttl.total_seconds())

    async def first_time(self, provider: str, key: str) -> bool:
        return bool(await self.redis.call("SET", f"dedup:{provider}:{key}", b"1", "NX", "EX", self.ttl))


class PgDeduplicator:
    """The embedded default has no Redis: the processed_webhooks table's primary key does the work."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def first_time(self, provider: str, key: str) -> bool:
        async with self.db.system() as session:
            result = await session.execute(
                insert(ProcessedWebhook)
                .values(provider=provider, key=key[:160])
                .on_conflict_do_nothing()
                .returning(ProcessedWebhook.key)
            )
            return result.first() is not None


async def purge_processed(db: Database, older_than: timedelta = RETENTION) -> int:
    """Forget keys past the retention (the sweep job calls this)."""
    async with db.system() as session:
        result = await session.execute(
            delete(ProcessedWebhook).where(ProcessedWebhook.created_at < func.now() - older_than)
        )
        return int(getattr(result, "rowcount", 0) or 0)
