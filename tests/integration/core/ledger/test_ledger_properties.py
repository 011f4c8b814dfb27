"""Random sequences of postings, reversals, holds and replays keep every ledger invariant (hypothesis, real PostgreSQL).

A plain-Python model predicts each outcome; after every sequence the database must agree with the model
and `check_ledger` must find balances == sum of postings, every entry balanced, no savings below zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.audit.service import Actor
from core.db.database import Database
from core.ledger.balances import get_account
from core.ledger.check import check_ledger
from core.ledger.errors import AlreadyReversed, InsufficientFunds
from core.ledger.holds import place_hold, release_hold
from core.ledger.operations import reverse_entry
from core.ledger.posting import post_entries
from core.ledger.types import EntryKind, NewEntry, PostingSpec
from tests.integration.core.ledger.helpers import Books, make_books, rwf

ACTOR = Actor.system("properties")
MEMBERS = 3

amount = st.integers(min_value=1, max_value=5_000)
member = st.integers(min_value=0, max_value=MEMBERS - 1)
operation = st.one_of(
    st.tuples(st.just("contribute"), member, amount),
    st.tuples(st.just("withdraw"), member, amount),
    st.tuples(st.just("transfer"), member, member, amount),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
    st.tuples(st.just("replay"), st.integers(0, 50)),
    st.tuples(st.just("hold"), member, amount),
    st.tuples(st.just("release"), st.integers(0, 50)),
)


@dataclass
class Model:
    """What the ledger should hold: balances normal side positive, holds, and the entries posted."""

    b: Books
    balance: dict[int, int] = field(default_factory=dict)
    held: dict[int, int] = field(default_factory=dict)
    entries: list[tuple[int, NewEntry]] = field(default_factory=list)  # (id, entry) of non-reversal entries
    reversed: set[int] = field(default_factory=set)
    holds: list[tuple[int, int, int]] = field(default_factory=list)  # (hold id, account, amount), active ones

    def sign(self, account: int) -> int:
        return -1 if account in self.b.savings else 1  # savings are credit-normal; clearing, cash debit-normal

    def apply(self, postings: tuple[PostingSpec, ...]) -> bool:
        """Apply if no savings account would fall below its held amount; report whether it was allowed."""
        after = dict(self.balance)
        for p in postings:
            after[p.account_id] = after.get(p.account_id, 0) + self.sign(p.account_id) * p.signed_amount
        for p in postings:
            decreased = after[p.account_id] < self.balance.get(p.account_id, 0)
            if p.account_id in self.b.savings and decreased and after[p.account_id] < self.held.get(p.account_id, 0):
                return False
        self.balance = after
        return True


async def _post(db: Database, m: Model, kind: str, postings: tuple[PostingSpec, ...], key: str) -> None:
    entry = NewEntry(kind, postings, key, ACTOR)
    allowed = m.apply(postings)
    try:
        async with db.tenant(m.b.org.id) as s:
            posted = (await post_entries(s, m.b.org.id, [entry]))[0]
    except InsufficientFunds:
        assert not allowed, f"{key} was refused but the model allows it"
        return
    assert allowed, f"{key} was posted but takes a savings account below zero"
    m.entries.append((posted.id, entry))


async def _run(db: Database, m: Model, ops: list[tuple]) -> None:  # type: ignore[type-arg]
    b, org = m.b, m.b.org.id
    for i, op in enumerate(ops):
        kind = op[0]
        if kind == "contribute":
            _, who, n = op
            await _post(db, m, EntryKind.CONTRIBUTION, (PostingSpec.debit(b.clearing, rwf(n)),
                                                        PostingSpec.credit(b.savings[who], rwf(n))), f"op{i}")
        elif kind == "withdraw":
            _, who, n = op
            await _post(db, m, EntryKind.WITHDRAWAL, (PostingSpec.debit(b.savings[who], rwf(n)),
                                                      PostingSpec.credit(b.cash, rwf(n))), f"op{i}")
        elif kind == "transfer":
            _, src, dst, n = op
            await _post(db, m, EntryKind.TRANSFER, (PostingSpec.debit(b.savings[src], rwf(n)),
                                                    PostingSpec.credit(b.savings[dst], rwf(n))), f"op{i}")
        elif kind in ("reverse", "replay") and m.entries:
            entry_id, entry = m.entries[op[1] % len(m.entries)]
            if kind == "replay":
                before = dict(m.balance)
                async with db.tenant(org) as s:
                    again = (await post_entries(s, org, [entry]))[0]
                assert again.replayed and again.id == entry_id and m.balance == before
                continue
            try:
                async with db.tenant(org) as s:
                    await reverse_entry(s, org, entry_id, reason="property", actor=ACTOR)
            except AlreadyReversed:
                assert entry_id in m.reversed
                continue
            except InsufficientFunds:
                assert entry_id not in m.reversed
                assert not Model(b, dict(m.balance), dict(m.held)).apply(tuple(p.reversed() for p in entry.postings))
                continue
            assert entry_id not in m.reversed, "an entry was reversed twice"
            assert m.apply(tuple(p.reversed() for p in entry.postings))
            m.reversed.add(entry_id)
        elif kind == "hold":
            _, who, n = op
            account = b.savings[who]
            available = m.balance.get(account, 0) - m.held.get(account, 0)
            try:
                async with db.tenant(org) as s:
                    hold = await place_hold(s, org, account, rwf(n), reference=f"hold{i}", actor=ACTOR)
            except InsufficientFunds:
                assert n > available
                continue
            assert n <= available
            m.held[account] = m.held.get(account, 0) + n
            m.holds.append((hold.id, account, n))
        elif kind == "release" and m.holds:
            hold_id, account, n = m.holds.pop(op[1] % len(m.holds))
            async with db.tenant(org) as s:
                await release_hold(s, org, hold_id, actor=ACTOR)
            m.held[account] -= n


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=25))
async def test_random_sequences_keep_every_invariant(db: Database, ops: list[tuple]) -> None:  # type: ignore[type-arg]
    books = await make_books(db, members=MEMBERS)
    m = Model(books)
    await _run(db, m, ops)
    async with db.tenant(books.org.id) as s:
        for account in [*books.savings, books.clearing, books.cash]:
            acct = await get_account(s, books.org.id, account)
            assert acct.balance.amount == m.balance.get(account, 0), acct.code
            assert acct.held.amount == m.held.get(account, 0), acct.code
            if account in books.savings:
                assert acct.available.amount >= 0
    async with db.system() as s:
        report = await check_ledger(s, organization_id=books.org.id)
    assert report.ok, report.problems
    assert report.entries == len(m.entries) + len(m.reversed)
