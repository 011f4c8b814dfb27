"""The webhook inbox: a chat webhook's payload is stored before the provider hears 200, and worked from there.

Providers stop redelivering once acknowledged, so a message must be durable before its acknowledgement, not
only queued in a process's memory. The webhook stores the payload claimed by its own process for LEASE and
works it at once; done, the row is marked so. What a dead process left claimed (its lease lapses) and what
was stored unclaimed (the process was at capacity) is claimed again, oldest first, by any process. A row
that keeps failing is retried with a growing pause and given up after MAX_ATTEMPTS, kept with its last error.

Store and done are the hot statements: the calls of an event-loop tick go as one (core/db/coalesce.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update

from core.db.coalesce import Coalescer
from core.db.database import Database
from core.messaging.models import WebhookInboxItem

LEASE = timedelta(minutes=2)  # a worked message takes well under a second; a lapsed claim means a dead process
MAX_ATTEMPTS = 5
RETENTION = timedelta(days=7)  # done rows kept as long as the de-duplication keys, for support questions
STORE_MANY_SQL = "SELECT id FROM webhook_inbox_store_many($1) ORDER BY n"
DONE_MANY_SQL = "SELECT webhook_inbox_done_many($1)"


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: int
    provider: str
    payload: Mapping[str, Any]
    attempts: int  # this one included
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))  # when the webhook stored it

    @property
    def retry(self) -> bool:
        """An earlier attempt may have begun this message (its process died, or it raised)."""
        return self.attempts > 1


async def store(db: Database, provider: str, payload: Mapping[str, Any], *, claim: bool) -> int:
    """Keep a verified payload; returns once committed. `claim`: this process works it now (for LEASE);
    otherwise it waits unclaimed for whichever process has room."""
    stores = db.coalescer("webhook_inbox_store", lambda: Coalescer(partial(_store_many, db)))
    lease = LEASE.total_seconds() if claim else None
    result: int = await stores({"provider": provider, "payload": payload, "lease_seconds": lease})
    return result


async def _store_many(db: Database, items: Sequence[dict[str, Any]]) -> list[int]:
    async with db.native_connection() as conn:
        rows = await conn.fetch(STORE_MANY_SQL, json.dumps(items))
    return [row["id"] for row in rows]


async def mark_done(db: Database, item_id: int) -> None:
    """The message has been worked (its replies, if any, are in the outbox)."""
    dones = db.coalescer("webhook_inbox_done", lambda: Coalescer(partial(_done_many, db)))
    await dones(item_id)


async def _done_many(db: Database, ids: Sequence[int]) -> list[None]:
    async with db.native_connection() as conn:
        await conn.execute(DONE_MANY_SQL, list(ids))
    return [None] * len(ids)


async def claim_due(db: Database, limit: int) -> list[InboxItem]:
    """Up to `limit` rows nobody is working (never claimed, or their claim lapsed), oldest first, claimed for
    LEASE. Concurrent claimers get disjoint rows (SKIP LOCKED). System scope."""
    if limit <= 0:
        return []
    due = (
        select(WebhookInboxItem.id)
        .where(
            WebhookInboxItem.done_at.is_(None),
            WebhookInboxItem.failed_at.is_(None),
            or_(WebhookInboxItem.claimed_until.is_(None), WebhookInboxItem.claimed_until < func.now()),
        )
        .order_by(WebhookInboxItem.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    async with db.system() as session:
        rows = await session.execute(
            update(WebhookInboxItem)
            .where(WebhookInboxItem.id.in_(due.scalar_subquery()))
            .values(claimed_until=func.now() + LEASE, attempts=WebhookInboxItem.attempts + 1)
            .returning(
                WebhookInboxItem.id, WebhookInboxItem.provider, WebhookInboxItem.payload, WebhookInboxItem.attempts,
                WebhookInboxItem.received_at,
            )
        )
        items = [InboxItem(r.id, r.provider, r.payload, r.attempts, r.received_at) for r in rows]
    return sorted(items, key=lambda item: item.id)


async def record_failure(db: Database, item: InboxItem, error: str) -> bool:
    """Working `item` raised: retry it later (the pause doubles with each attempt, from 5 s), or give it up
    after MAX_ATTEMPTS. Returns True when given up."""
    give_up = item.attempts >= MAX_ATTEMPTS
    pause = timedelta(seconds=5 * 2 ** (item.attempts - 1))
    async with db.system() as session:
        await session.execute(
            update(WebhookInboxItem)
            .where(WebhookInboxItem.id == item.id, WebhookInboxItem.done_at.is_(None))
            .values(
                error=error[:2000],
                claimed_until=None if give_up else func.now() + pause,
                failed_at=func.now() if give_up else None,
            )
        )
    return give_up


@dataclass(frozen=True, slots=True)
class InboxBacklog:
    waiting: int  # not done, not given up
    oldest_seconds: float | None  # age of the oldest of those
    failed: int  # given up, kept for a person to look at


async def backlog(db: Database) -> InboxBacklog:
    open_rows = and_(WebhookInboxItem.done_at.is_(None), WebhookInboxItem.failed_at.is_(None))
    async with db.system() as session:
        waiting, oldest = (
            await session.execute(
                select(
                    func.count(), func.extract("epoch", func.now() - func.min(WebhookInboxItem.received_at))
                ).where(open_rows)
            )
        ).one()
        failed = await session.scalar(
            select(func.count()).select_from(WebhookInboxItem).where(WebhookInboxItem.failed_at.is_not(None))
        )
    return InboxBacklog(int(waiting), float(oldest) if oldest is not None else None, int(failed or 0))


async def purge_done(db: Database, older_than: timedelta = RETENTION) -> int:
    """Forget worked rows past the retention (given-up rows stay until someone looks)."""
    async with db.system() as session:
        result = await session.execute(
            delete(WebhookInboxItem).where(
                WebhookInboxItem.done_at.is_not(None), WebhookInboxItem.done_at < func.now() - older_than
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


async def given_up(db: Database, limit: int = 50) -> list[WebhookInboxItem]:
    """Rows given up after repeated failures, newest first, for a person to look at (`ibimina inbox`)."""
    async with db.system() as session:
        rows = await session.scalars(
            select(WebhookInboxItem)
            .where(WebhookInboxItem.failed_at.is_not(None))
            .order_by(WebhookInboxItem.id.desc())
            .limit(limit)
        )
        return list(rows)


async def requeue(db: Database, item_id: int) -> bool:
    """Put a given-up row back (its cause fixed): the next process with room works it, with MAX_ATTEMPTS
    again. False when there is no such given-up row."""
    async with db.system() as session:
        result = await session.execute(
            update(WebhookInboxItem)
            .where(WebhookInboxItem.id == item_id, WebhookInboxItem.failed_at.is_not(None))
            .values(failed_at=None, claimed_until=None, attempts=0)
        )
        return bool(getattr(result, "rowcount", 0))
