"""The PostgreSQL rate limiter (no Redis: the embedded default): one row per event, a lock per key."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Float, Index, String, delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, IdMixin
from core.db.database import Database
from core.identity.ratelimit import Decision, Limit, ModeLimiter, evaluate, storage_key

_LOCK_NAMESPACE = 7_210_007
_KEEP_ANY_EVENT = 86_400  # rows older than a day are garbage for every limit we use


class RateLimitEvent(IdMixin, Base):
    """Not tenant data (keys are HMACs of phones, emails, addresses), so no organization column."""

    __tablename__ = "rate_limit_events"
    __table_args__ = (Index(None, "key", "at"),)

    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[float] = mapped_column(Float)  # epoch seconds


class PostgresRateLimiter(ModeLimiter):
    def __init__(self, db: Database, secret: bytes, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.secret = secret
        self.clock = clock

    async def clear(self, key: str) -> None:
        # Counters are not any organization's rows: the system scope is only a formality for this table.
        async with self.db.system() as session:
            await session.execute(
                delete(RateLimitEvent).where(RateLimitEvent.key == storage_key(self.secret, key))
            )

    async def purge(self) -> int:
        """Delete events older than a day (a job may call it; `add` also trims its own key)."""
        async with self.db.system() as session:
            result = await session.execute(
                delete(RateLimitEvent).where(RateLimitEvent.at < self.clock() - _KEEP_ANY_EVENT)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def _run(self, key: str, limits: tuple[Limit, ...], mode: str) -> Decision:
        stored = storage_key(self.secret, key)
        now = self.clock()
        longest = max(lim.window for lim in limits)
        async with self.db.system() as session:
            await self._lock(session, stored)
            await session.execute(
                delete(RateLimitEvent).where(RateLimitEvent.key == stored, RateLimitEvent.at <= now - longest)
            )
            times = list(
                (
                    await session.execute(
                        select(RateLimitEvent.at)
                        .where(RateLimitEvent.key == stored)
                        .order_by(RateLimitEvent.at)
                    )
                ).scalars()
            )
            retry, count = evaluate(now, times, limits)
            if mode == "add" or (mode == "acquire" and retry == 0):
                session.add(RateLimitEvent(key=stored, at=now))
                if mode == "add":
                    retry, count = evaluate(now, [*times, now], limits)
                else:
                    count += 1
            return Decision(allowed=retry == 0, retry_after=retry, count=count)

    @staticmethod
    async def _lock(session: AsyncSession, stored: str) -> None:
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"), {"ns": _LOCK_NAMESPACE, "key": stored}
        )
