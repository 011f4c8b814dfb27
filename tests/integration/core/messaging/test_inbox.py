"""The webhook inbox on real PostgreSQL: stored before the acknowledgement, claimed once, retried, given up."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from core.db.database import Database
from core.messaging.inbox import (
    MAX_ATTEMPTS,
    InboxItem,
    backlog,
    claim_due,
    mark_done,
    purge_done,
    record_failure,
    store,
)
from core.messaging.models import WebhookInboxItem
from tests.support.inbox import finish_open_inbox, lapse_claims
from tests.support.native_statements import native_statement_names


def payload() -> dict[str, str]:
    return {"marker": secrets.token_hex(8)}


async def row(db: Database, item_id: int) -> WebhookInboxItem:
    async with db.system() as s:
        found = await s.get(WebhookInboxItem, item_id)
        assert found is not None
        return found


async def test_the_stores_of_one_tick_are_one_statement_and_keep_their_order(db: Database) -> None:
    bodies = [payload() for _ in range(5)]
    names = native_statement_names(db)
    ids = await asyncio.gather(*(store(db, "whatsapp", b, claim=True) for b in bodies))
    assert names == ["SELECT id FROM webhook_inbox_store_many"]
    assert ids == sorted(ids)
    for item_id, body in zip(ids, bodies, strict=True):
        stored = await row(db, item_id)
        assert (stored.provider, stored.payload, stored.attempts) == ("whatsapp", body, 1)
        assert stored.claimed_until is not None and stored.done_at is None
    await asyncio.gather(*(mark_done(db, i) for i in ids))
    ours = [name for name in names if "webhook_inbox" in name]  # asyncpg may introspect a type first
    assert ours == ["SELECT id FROM webhook_inbox_store_many", "SELECT webhook_inbox_done_many"]
    assert [(await row(db, i)).done_at is not None for i in ids] == [True] * 5


async def test_only_rows_nobody_works_are_claimed_and_each_once(db: Database) -> None:
    await finish_open_inbox(db)
    claimed_here = await store(db, "telegram", payload(), claim=True)  # this process works it
    waiting = await store(db, "telegram", payload(), claim=False)  # stored at capacity
    orphaned = await store(db, "telegram", payload(), claim=True)  # its process died
    done = await store(db, "telegram", payload(), claim=False)
    await mark_done(db, done)
    await lapse_claims(db, orphaned)

    first, second = await asyncio.gather(claim_due(db, 10), claim_due(db, 10))
    got = sorted([i.id for i in first] + [i.id for i in second])
    assert got == [waiting, orphaned]  # disjoint: SKIP LOCKED, never twice
    by_id = {i.id: i for i in [*first, *second]}
    assert by_id[waiting].attempts == 1 and by_id[orphaned].attempts == 2
    assert await claim_due(db, 10) == []  # now claimed for the lease
    assert (await row(db, claimed_here)).attempts == 1
    await finish_open_inbox(db)


async def test_a_failing_row_waits_longer_each_time_then_is_given_up(db: Database) -> None:
    await finish_open_inbox(db)
    item_id = await store(db, "twilio", payload(), claim=True)
    item = InboxItem(item_id, "twilio", {}, attempts=1)
    assert await record_failure(db, item, "RuntimeError: boom") is False
    failed_once = await row(db, item_id)
    assert failed_once.error == "RuntimeError: boom" and failed_once.failed_at is None
    assert await claim_due(db, 10) == []  # paused, not claimable yet
    assert await record_failure(db, InboxItem(item_id, "twilio", {}, attempts=MAX_ATTEMPTS), "still") is True
    given_up = await row(db, item_id)
    assert given_up.failed_at is not None and given_up.error == "still"
    assert await claim_due(db, 10) == []
    counts = await backlog(db)
    assert counts.failed >= 1
    await finish_open_inbox(db)


async def test_backlog_counts_what_waits_and_purge_forgets_only_old_done_rows(db: Database) -> None:
    await finish_open_inbox(db)
    waiting = await store(db, "whatsapp", payload(), claim=False)
    before = await backlog(db)
    assert before.waiting == 1 and before.oldest_seconds is not None and before.oldest_seconds >= 0
    old, recent = await store(db, "whatsapp", payload(), claim=True), await store(db, "whatsapp", payload(), claim=True)
    await mark_done(db, old)
    await mark_done(db, recent)
    async with db.system() as s:
        await s.execute(
            update(WebhookInboxItem)
            .where(WebhookInboxItem.id == old)
            .values(done_at=WebhookInboxItem.done_at - timedelta(days=8))
        )
    assert await purge_done(db) >= 1
    async with db.system() as s:
        left = set((await s.execute(select(WebhookInboxItem.id).where(WebhookInboxItem.id.in_([old, recent, waiting])))).scalars())
    assert left == {recent, waiting}
    await finish_open_inbox(db)


async def test_the_inbox_is_invisible_outside_the_system_scope(db: Database) -> None:
    item_id = await store(db, "whatsapp", payload(), claim=True)
    async with db.tenant(1) as s:
        assert await s.get(WebhookInboxItem, item_id) is None
    await mark_done(db, item_id)
