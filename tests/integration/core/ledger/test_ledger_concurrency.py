"""Many writers at once: exact balances, no deadlock, and a replayed key posted exactly once."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from sqlalchemy import text

from core.audit.service import Actor
from core.db.database import Database
from core.ledger.balances import get_account
from core.ledger.chart import SystemAccount
from core.ledger.check import check_ledger
from core.ledger.errors import InsufficientFunds
from core.ledger.posting import post_entries
from core.ledger.types import EntryKind, NewEntry, PostingSpec
from tests.integration.core.ledger.helpers import Books, make_books, rwf

ACTOR = Actor.system("tests")
CLIENTS, PER_CLIENT = 8, 50


def _entry(key: str, legs: list[tuple[int, int]]) -> NewEntry:
    """legs: (account_id, signed amount, debit positive); shuffled so callers present accounts in any order."""
    postings = [PostingSpec.debit(a, rwf(x)) if x > 0 else PostingSpec.credit(a, rwf(-x)) for a, x in legs]
    random.shuffle(postings)
    return NewEntry(EntryKind.TRANSFER, tuple(postings), key, ACTOR)


def _random_entry(rng: random.Random, b: Books, key: str) -> NewEntry:
    """Clearing (and sometimes suspense) into several savings accounts: all hot and single-row locks mixed."""
    chosen = rng.sample(b.savings, rng.randint(1, len(b.savings)))
    legs = [(a, -rng.randint(1, 500)) for a in chosen]
    total = -sum(x for _, x in legs)
    if rng.random() < 0.3:
        split = rng.randint(1, total)
        legs += [(b.clearing, split), (b.system[SystemAccount.SUSPENSE], -split), (b.clearing, total)]
        legs += [(b.system[SystemAccount.SUSPENSE], split), (b.clearing, -split)]
    else:
        legs.append((b.clearing, total))
    return _entry(key, legs)


async def _expected(b: Books, entries: list[NewEntry]) -> Counter[int]:
    raw: Counter[int] = Counter()
    for e in entries:
        for p in e.postings:
            raw[p.account_id] += p.signed_amount
    return raw


async def _assert_exact(db: Database, b: Books, raw: Counter[int]) -> None:
    async with db.tenant(b.org.id) as s:
        for account_id in [*b.savings, b.clearing, b.system[SystemAccount.SUSPENSE]]:
            account = await get_account(s, b.org.id, account_id)
            assert account.balance.amount == raw[account_id] * account.normal_side.sign, account.code
        report = await check_ledger(s, organization_id=b.org.id)
    assert report.ok, report.problems


async def test_concurrent_single_entry_transactions_end_exact_without_deadlock(db: Database) -> None:
    b = await make_books(db, members=4)
    rng = random.Random(7)
    plans = [[_random_entry(rng, b, f"c{c}:{i}") for i in range(PER_CLIENT)] for c in range(CLIENTS)]

    async def client(entries: list[NewEntry]) -> None:
        for e in entries:
            async with db.tenant(b.org.id) as s:
                await post_entries(s, b.org.id, [e], audit=False)

    await asyncio.wait_for(asyncio.gather(*(client(p) for p in plans)), timeout=120)
    await _assert_exact(db, b, await _expected(b, [e for p in plans for e in p]))


async def test_concurrent_withdrawals_never_overdraw(db: Database) -> None:
    b = await make_books(db, members=1)
    async with db.tenant(b.org.id) as s:
        await post_entries(s, b.org.id, [_entry("fund", [(b.clearing, 10_000), (b.savings[0], -10_000)])])
    outcomes: list[bool] = []

    async def withdraw(i: int) -> None:
        try:
            async with db.tenant(b.org.id) as s:
                await post_entries(s, b.org.id, [_entry(f"w{i}", [(b.savings[0], 700), (b.cash, -700)])])
            outcomes.append(True)
        except InsufficientFunds:
            outcomes.append(False)

    await asyncio.gather(*(withdraw(i) for i in range(20)))
    assert outcomes.count(True) == 14  # 14 * 700 = 9800 <= 10000 < 15 * 700
    async with db.tenant(b.org.id) as s:
        assert (await get_account(s, b.org.id, b.savings[0])).balance.amount == 10_000 - 14 * 700


async def test_a_replayed_key_under_concurrency_posts_once(db: Database) -> None:
    b = await make_books(db, members=3)
    rng = random.Random(11)
    suspense = b.system[SystemAccount.SUSPENSE]
    entries = [_random_entry(rng, b, f"same:{i}") for i in range(40)]
    # Entries on sharded accounts only take no single-row lock: replays meet at the unique key instead.
    entries += [_entry(f"same:hot:{i}", [(b.clearing, 100 + i), (suspense, -100 - i)]) for i in range(20)]

    async def client(seed: int) -> list[bool]:
        order = entries[:]
        random.Random(seed).shuffle(order)
        replays = []
        for e in order:
            async with db.tenant(b.org.id) as s:
                replays.append((await post_entries(s, b.org.id, [e], audit=False))[0].replayed)
        return replays

    results = await asyncio.wait_for(asyncio.gather(*(client(c) for c in range(CLIENTS))), timeout=120)
    assert sum(not r for rs in results for r in rs) == len(entries)  # each key was new exactly once
    async with db.tenant(b.org.id) as s:
        count = (await s.execute(text("SELECT count(*) FROM ledger_entries WHERE organization_id = :o"),
                                 {"o": b.org.id})).scalar()
    assert count == len(entries)
    await _assert_exact(db, b, await _expected(b, entries))


async def test_concurrent_batches_with_overlapping_accounts(db: Database) -> None:
    b = await make_books(db, members=6)
    rng = random.Random(5)
    batches = [[_random_entry(rng, b, f"b{c}:{j}:{i}") for i in range(40)] for c in range(6) for j in range(3)]

    async def client(mine: list[list[NewEntry]]) -> None:
        for batch in mine:
            async with db.tenant(b.org.id) as s:
                posted = await post_entries(s, b.org.id, batch + batch[:5])  # with in-batch duplicates
                assert not any(p.replayed for p in posted[:40])

    await asyncio.wait_for(asyncio.gather(*(client(batches[c::6]) for c in range(6))), timeout=120)
    await _assert_exact(db, b, await _expected(b, [e for batch in batches for e in batch]))
