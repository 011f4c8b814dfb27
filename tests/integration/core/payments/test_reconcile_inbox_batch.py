"""store_messages_batch gives what store_messages gives, message for message, in a few round trips."""

from __future__ import annotations

import random

from sqlalchemy import select

from core.db.database import Database
from core.payments.inbox import IncomingSms, store_messages
from core.payments.inbox_batch import store_messages_batch
from core.payments.models import SmsMessage
from tests.support.factories import make_organization
from tests.support.momo import airtel_received, mtn_received

COLUMNS = ("status", "kind", "amount", "transaction_id", "reference", "counterparty_phone", "parse_error", "details")


def _mix(seed: int) -> list[IncomingSms]:
    rng = random.Random(seed)
    pool = [mtn_received(1000 + i, f"ref {i}", txn=f"7700000{i:04d}") for i in range(8)]
    pool += [mtn_received(500, "", txn="77000009999", name=f"Payer {i}") for i in range(3)]  # same txn, new text
    pool += [airtel_received(300, "788000111"), IncomingSms("M-Money", "Kanda *182*16# ubone 50%", pool[0].received_at)]
    return [rng.choice(pool) for _ in range(40)]


async def test_the_batched_store_matches_the_one_by_one_store(db: Database) -> None:
    for seed in range(4):
        first, second = await make_organization(db), await make_organization(db)
        messages = _mix(seed)
        earlier = messages[:10]
        async with db.tenant(first.id) as s:
            await store_messages(s, organization_id=first.id, messages=earlier, source="import")
            one = await store_messages(s, organization_id=first.id, messages=messages, source="import")
        async with db.tenant(second.id) as s:
            await store_messages_batch(s, organization_id=second.id, messages=earlier, source="import")
            many = await store_messages_batch(s, organization_id=second.id, messages=messages, source="import")
        rows, hashes = {}, {}
        for org in (first, second):
            async with db.tenant(org.id) as s:
                found = (await s.execute(select(SmsMessage).where(SmsMessage.organization_id == org.id)
                                         .order_by(SmsMessage.raw_hash))).scalars().all()
            hashes[org.id] = {m.id: m.raw_hash for m in found}
            rows[org.id] = [tuple(getattr(m, c) for c in COLUMNS) + (hashes[org.id].get(m.duplicate_of_id),)
                            for m in found]
        assert rows[first.id] == rows[second.id]
        # ids differ between the two organizations: compare what a duplicate points at by its raw hash
        assert [(r.id is None, r.status, r.kind, r.amount, r.transaction_id, hashes[first.id].get(r.duplicate_of))
                for r in one] == [
            (r.id is None, r.status, r.kind, r.amount, r.transaction_id, hashes[second.id].get(r.duplicate_of))
            for r in many]
