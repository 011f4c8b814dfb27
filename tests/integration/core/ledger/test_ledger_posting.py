"""Posting on real PostgreSQL: balances move with postings, keys replay, refusals change nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from core.audit.service import Actor
from core.db.database import Database
from core.errors import InvalidInput
from core.ledger.balances import get_account
from core.ledger.errors import (
    AlreadyReversed,
    IdempotencyConflict,
    InsufficientFunds,
    UnknownAccount,
)
from core.ledger.operations import record_contribution, record_withdrawal, reverse_entry
from core.ledger.posting import post_entries, post_entry
from core.ledger.types import EntryKind, NewEntry, PostingSpec
from core.money import Money
from tests.integration.core.ledger.helpers import make_books, rwf

ACTOR = Actor.system("tests")


def contribution(key: str, source: int, savings: int, amount: int) -> NewEntry:
    return NewEntry(
        kind=EntryKind.CONTRIBUTION,
        postings=(PostingSpec.debit(source, rwf(amount)), PostingSpec.credit(savings, rwf(amount))),
        idempotency_key=key,
        actor=ACTOR,
    )


async def balance(db: Database, org_id: int, account_id: int) -> int:
    async with db.tenant(org_id) as s:
        return (await get_account(s, org_id, account_id)).balance.amount


async def test_a_contribution_moves_both_balances_and_records_its_entry(db: Database) -> None:
    b = await make_books(db)
    at = datetime(2026, 3, 1, 9, tzinfo=UTC)
    async with db.tenant(b.org.id) as s:
        posted = await post_entry(
            s, organization_id=b.org.id, kind=EntryKind.CONTRIBUTION, idempotency_key="momo:TX1", actor=ACTOR,
            postings=[PostingSpec.debit(b.clearing, rwf(2000)), PostingSpec.credit(b.savings[0], rwf(2000))],
            memo="week 1", effective_at=at, metadata={"tx": "TX1"},
        )
    assert not posted.replayed and posted.effective_at == at and posted.memo == "week 1"
    assert posted.metadata == {"tx": "TX1"}
    assert await balance(db, b.org.id, b.savings[0]) == 2000  # a liability, credit-normal: positive
    assert await balance(db, b.org.id, b.clearing) == 2000  # an asset, debit-normal: positive
    async with db.tenant(b.org.id) as s:
        actions = (await s.execute(text(
            "SELECT action, object_id FROM audit_log WHERE organization_id = :o AND action LIKE 'ledger.%'"),
            {"o": b.org.id})).all()
    assert actions == [("ledger.entry_posted", str(posted.id))]


async def test_replaying_a_key_returns_the_original_and_changes_nothing(db: Database) -> None:
    b = await make_books(db)
    async with db.tenant(b.org.id) as s:
        first = await record_contribution(s, b.org.id, b.members[0].id, b.group.id, rwf(1500),
                                          idempotency_key="momo:R1", actor=ACTOR, memo="first")
    async with db.tenant(b.org.id) as s:
        again = await record_contribution(s, b.org.id, b.members[0].id, b.group.id, rwf(1500),
                                          idempotency_key="momo:R1", actor=Actor.system("retry"), memo="retry")
    assert again.replayed and again.id == first.id and again.memo == "first" and again.actor == ACTOR
    assert await balance(db, b.org.id, b.savings[0]) == 1500
    async with db.tenant(b.org.id) as s:
        n = (await s.execute(text("SELECT count(*) FROM ledger_entries WHERE organization_id = :o"),
                             {"o": b.org.id})).scalar()
    assert n == 1


async def test_the_same_key_with_other_content_is_refused(db: Database) -> None:
    b = await make_books(db)
    async with db.tenant(b.org.id) as s:
        await post_entries(s, b.org.id, [contribution("k1", b.clearing, b.savings[0], 1000)])
    with pytest.raises(IdempotencyConflict) as caught:
        async with db.tenant(b.org.id) as s:
            await post_entries(s, b.org.id, [contribution("k1", b.clearing, b.savings[0], 1001)])
    assert caught.value.idempotency_key == "k1" and caught.value.entry_id is not None
    with pytest.raises(IdempotencyConflict):  # within one batch too
        async with db.tenant(b.org.id) as s:
            await post_entries(s, b.org.id, [contribution("k2", b.clearing, b.savings[0], 5),
                                             contribution("k2", b.clearing, b.savings[1], 5)])
    assert await balance(db, b.org.id, b.savings[0]) == 1000


async def test_a_batch_posts_all_and_replays_duplicates_inside_it(db: Database) -> None:
    b = await make_books(db, members=3)
    entries = [contribution(f"batch:{i}", b.clearing, b.savings[i % 3], 100 * (i + 1)) for i in range(9)]
    async with db.tenant(b.org.id) as s:
        posted = await post_entries(s, b.org.id, [*entries, entries[0]])
    assert [p.idempotency_key for p in posted[:9]] == [e.idempotency_key for e in entries]
    assert posted[9].id == posted[0].id
    assert await balance(db, b.org.id, b.savings[0]) == 100 + 400 + 700
    assert await balance(db, b.org.id, b.clearing) == sum(100 * (i + 1) for i in range(9))
    async with db.tenant(b.org.id) as s:
        again = await post_entries(s, b.org.id, entries[3:6])
        audit = (await s.execute(text(
            "SELECT count(*) FROM audit_log WHERE organization_id = :o AND action = 'ledger.entries_posted'"),
            {"o": b.org.id})).scalar()
    assert all(p.replayed for p in again) and audit == 1


async def test_a_withdrawal_beyond_the_balance_is_refused_and_writes_nothing(db: Database) -> None:
    b = await make_books(db)
    m, g = b.members[0].id, b.group.id
    async with db.tenant(b.org.id) as s:
        await record_contribution(s, b.org.id, m, g, rwf(3000), idempotency_key="c", actor=ACTOR)
        await record_withdrawal(s, b.org.id, m, g, rwf(1000), idempotency_key="w1", actor=ACTOR)
    with pytest.raises(InsufficientFunds) as caught:
        async with db.tenant(b.org.id) as s:
            await record_withdrawal(s, b.org.id, m, g, rwf(2001), idempotency_key="w2", actor=ACTOR)
    assert caught.value.account_id == b.savings[0] and caught.value.available == 2000
    async with db.tenant(b.org.id) as s:
        await record_withdrawal(s, b.org.id, m, g, rwf(2000), idempotency_key="w3", actor=ACTOR)
    assert await balance(db, b.org.id, b.savings[0]) == 0
    assert await balance(db, b.org.id, b.cash) == -3000  # cash paid out (no opening cash in this test)
    async with db.tenant(b.org.id) as s:
        keys = set((await s.execute(text("SELECT idempotency_key FROM ledger_entries WHERE organization_id = :o"),
                                    {"o": b.org.id})).scalars())
    assert keys == {"c", "w1", "w3"}


async def test_reversal_restores_balances_once(db: Database) -> None:
    b = await make_books(db)
    async with db.tenant(b.org.id) as s:
        wrong = await record_contribution(s, b.org.id, b.members[0].id, b.group.id, rwf(5000),
                                          idempotency_key="oops", actor=ACTOR)
    async with db.tenant(b.org.id) as s:
        reversal = await reverse_entry(s, b.org.id, wrong.id, reason="wrong member", actor=Actor.staff(1))
    assert reversal.reverses_entry_id == wrong.id and reversal.kind == EntryKind.REVERSAL
    assert await balance(db, b.org.id, b.savings[0]) == 0
    assert await balance(db, b.org.id, b.clearing) == 0
    with pytest.raises(AlreadyReversed) as caught:
        async with db.tenant(b.org.id) as s:
            await reverse_entry(s, b.org.id, wrong.id, reason="again", actor=Actor.staff(1))
    assert caught.value.reversal_id == reversal.id
    with pytest.raises(InvalidInput):
        async with db.tenant(b.org.id) as s:
            await reverse_entry(s, b.org.id, reversal.id, reason="undo the undo", actor=Actor.staff(1))
    with pytest.raises(AlreadyReversed):  # the database refuses a second reversal even with another key
        async with db.tenant(b.org.id) as s:
            await post_entries(s, b.org.id, [NewEntry(
                kind="reversal", idempotency_key="sneaky", actor=ACTOR, reverses_entry_id=wrong.id,
                postings=tuple(p.reversed() for p in wrong.postings))])


async def test_a_reversal_cannot_take_money_already_withdrawn(db: Database) -> None:
    b = await make_books(db)
    m, g = b.members[0].id, b.group.id
    async with db.tenant(b.org.id) as s:
        c = await record_contribution(s, b.org.id, m, g, rwf(4000), idempotency_key="c", actor=ACTOR)
        await record_withdrawal(s, b.org.id, m, g, rwf(3000), idempotency_key="w", actor=ACTOR)
    with pytest.raises(InsufficientFunds):
        async with db.tenant(b.org.id) as s:
            await reverse_entry(s, b.org.id, c.id, reason="bounced", actor=ACTOR)


async def test_unknown_and_foreign_accounts_and_currencies_are_refused(db: Database) -> None:
    a, other = await make_books(db), await make_books(db)
    for postings in (
        (PostingSpec.debit(a.clearing, rwf(10)), PostingSpec.credit(other.savings[0], rwf(10))),
        (PostingSpec.debit(a.clearing, rwf(10)), PostingSpec.credit(999_999_999, rwf(10))),
        (PostingSpec.debit(a.clearing, Money(10, "USD")), PostingSpec.credit(a.savings[0], Money(10, "USD"))),
    ):
        with pytest.raises(UnknownAccount):
            async with db.tenant(a.org.id) as s:
                await post_entries(s, a.org.id, [NewEntry("adjustment", postings, "x", ACTOR)])
    assert await balance(db, other.org.id, other.savings[0]) == 0


async def test_holds_reduce_what_can_be_withdrawn(db: Database) -> None:
    from core.ledger.holds import holds_on_account, place_hold, release_hold

    b = await make_books(db)
    m, g, acct = b.members[0].id, b.group.id, b.savings[0]
    async with db.tenant(b.org.id) as s:
        await record_contribution(s, b.org.id, m, g, rwf(10_000), idempotency_key="c", actor=ACTOR)
        hold = await place_hold(s, b.org.id, acct, rwf(6000), reference="loan:1:guarantor", actor=ACTOR,
                                reason="guarantees loan 1")
        same = await place_hold(s, b.org.id, acct, rwf(6000), reference="loan:1:guarantor", actor=ACTOR)
        assert same.id == hold.id
        account = await get_account(s, b.org.id, acct)
    assert (account.balance.amount, account.held.amount, account.available.amount) == (10_000, 6000, 4000)
    with pytest.raises(IdempotencyConflict):
        async with db.tenant(b.org.id) as s:
            await place_hold(s, b.org.id, acct, rwf(7000), reference="loan:1:guarantor", actor=ACTOR)
    with pytest.raises(InsufficientFunds):
        async with db.tenant(b.org.id) as s:
            await place_hold(s, b.org.id, acct, rwf(4001), reference="loan:2:guarantor", actor=ACTOR)
    with pytest.raises(InsufficientFunds):
        async with db.tenant(b.org.id) as s:
            await record_withdrawal(s, b.org.id, m, g, rwf(4001), idempotency_key="w", actor=ACTOR)
    with pytest.raises(InvalidInput):
        async with db.tenant(b.org.id) as s:
            await place_hold(s, b.org.id, b.clearing, rwf(1), reference="nope", actor=ACTOR)
    async with db.tenant(b.org.id) as s:
        await release_hold(s, b.org.id, hold.id, actor=ACTOR)
        await release_hold(s, b.org.id, hold.id, actor=ACTOR)  # idempotent
        assert await holds_on_account(s, b.org.id, acct) == []
        await record_withdrawal(s, b.org.id, m, g, rwf(10_000), idempotency_key="w", actor=ACTOR)
    assert await balance(db, b.org.id, acct) == 0


async def test_commit_entries_posts_in_its_own_transaction_in_one_scope(db: Database) -> None:
    from core.ledger.posting import commit_entries

    a, other = await make_books(db), await make_books(db)
    first = await commit_entries(db, a.org.id, [contribution("lean:1", a.clearing, a.savings[0], 800)])
    again = await commit_entries(db, a.org.id, [contribution("lean:1", a.clearing, a.savings[0], 800),
                                                contribution("lean:2", a.clearing, a.savings[1], 200)])
    assert not first[0].replayed and again[0].replayed and again[0].id == first[0].id and not again[1].replayed
    assert await balance(db, a.org.id, a.savings[0]) == 800 and await balance(db, a.org.id, a.clearing) == 1000
    with pytest.raises(IdempotencyConflict):
        await commit_entries(db, a.org.id, [contribution("lean:1", a.clearing, a.savings[0], 801)])
    with pytest.raises(UnknownAccount):  # the scope is this organization's: another's accounts do not exist
        await commit_entries(db, a.org.id, [contribution("lean:3", a.clearing, other.savings[0], 5)])
    with pytest.raises(UnknownAccount):
        await commit_entries(db, other.org.id, [contribution("lean:4", a.clearing, a.savings[0], 5)])
    with pytest.raises(InsufficientFunds):
        await commit_entries(db, a.org.id, [NewEntry("withdrawal", (
            PostingSpec.debit(a.savings[1], rwf(201)), PostingSpec.credit(a.cash, rwf(201))), "lean:5", ACTOR)])
    async with db.sessions() as s, s.begin():  # the scope did not outlive its transaction on the pooled connection
        assert (await s.execute(text("SELECT count(*) FROM ledger_entries"))).scalar() == 0
    assert await balance(db, a.org.id, a.savings[1]) == 200


async def test_the_make_savings_factory_funds_a_member(db: Database) -> None:
    from tests.support.factories import make_savings

    b = await make_books(db)
    account = await make_savings(db, b.org, b.members[1], b.group, 20_000)
    assert account == b.savings[1] and await balance(db, b.org.id, account) == 20_000
