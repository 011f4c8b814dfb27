"""What members and staff read: balances across groups, statements with running balances, totals, trial balance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.audit.service import Actor
from core.db.database import Database
from core.errors import InvalidInput
from core.ledger.balances import member_balances
from core.ledger.holds import place_hold
from core.ledger.operations import record_contribution, record_withdrawal, reverse_entry
from core.ledger.reports import group_totals, trial_balance
from core.ledger.statements import member_recent_transactions, statement
from core.ledger.types import EntryKind
from core.members.service import add_to_group
from core.money import Money
from tests.integration.core.ledger.helpers import make_books, rwf
from tests.support.factories import make_group

ACTOR = Actor.system("tests")
T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)


async def test_member_balances_across_groups(db: Database) -> None:
    b = await make_books(db)
    second = await make_group(db, b.org, code="ZED")
    third = await make_group(db, b.org, code="AAA")
    m = b.members[0]
    async with db.tenant(b.org.id) as s:
        await add_to_group(s, member=m, group=second, actor=ACTOR)
        await add_to_group(s, member=m, group=third, actor=ACTOR)
        await record_contribution(s, b.org.id, m.id, b.group.id, rwf(5000), idempotency_key="a", actor=ACTOR)
        await record_contribution(s, b.org.id, m.id, second.id, rwf(1200), idempotency_key="b", actor=ACTOR)
        await place_hold(s, b.org.id, b.savings[0], rwf(2000), reference="loan:9:guarantor", actor=ACTOR)
        rows = await member_balances(s, b.org.id, m.id)
    by_code = {r.group_code: r for r in rows}
    assert [r.group_code for r in rows] == sorted(by_code)
    assert set(by_code) == {b.group.code, "ZED", "AAA"}
    first = by_code[b.group.code]
    assert (first.balance, first.held, first.available) == (rwf(5000), rwf(2000), rwf(3000))
    assert first.group_id == b.group.id and first.account_id == b.savings[0] and first.group_name == b.group.name
    assert by_code["ZED"].balance == rwf(1200)
    assert by_code["AAA"].account_id is None and by_code["AAA"].balance == rwf(0)  # nothing saved there yet


async def test_statement_pages_with_running_balances(db: Database) -> None:
    b = await make_books(db)
    m, g, acct = b.members[0].id, b.group.id, b.savings[0]
    async with db.tenant(b.org.id) as s:
        for week in range(7):
            await record_contribution(s, b.org.id, m, g, rwf(1000 * (week + 1)), idempotency_key=f"w{week}",
                                      actor=ACTOR, memo=f"week {week}", effective_at=T0 + timedelta(weeks=week))
        w = await record_withdrawal(s, b.org.id, m, g, rwf(2500), idempotency_key="out", actor=ACTOR,
                                    effective_at=T0 + timedelta(weeks=7))
    async with db.tenant(b.org.id) as s:
        await reverse_entry(s, b.org.id, w.id, reason="keyed twice", actor=ACTOR)
    async with db.tenant(b.org.id) as s:
        lines, cursor, opening = [], None, None
        while True:
            page = await statement(s, b.org.id, acct, limit=3, after_cursor=cursor)
            opening = page.opening_balance if opening is None else opening
            lines.extend(page.lines)
            cursor = page.next_cursor
            if cursor is None:
                break
        window = await statement(s, b.org.id, acct, start=T0 + timedelta(weeks=2), end=T0 + timedelta(weeks=4))
        with pytest.raises(InvalidInput):
            await statement(s, b.org.id, acct, after_cursor="garbage")
    assert opening == rwf(0)
    assert [line.amount.amount for line in lines] == [1000, 2000, 3000, 4000, 5000, 6000, 7000, -2500, 2500]
    running = 0
    for line in lines:
        running += line.amount.amount
        assert line.running_balance.amount == running
    assert lines[-1].kind == EntryKind.REVERSAL and lines[-1].reverses_entry_id == w.id
    assert lines[0].memo == "week 0" and lines[0].effective_at == T0
    assert window.opening_balance == rwf(3000)
    assert [line.amount.amount for line in window.lines] == [3000, 4000] and window.closing_balance == rwf(10_000)


async def test_recent_transactions_across_groups_newest_first(db: Database) -> None:
    b = await make_books(db)
    second = await make_group(db, b.org)
    m = b.members[0]
    async with db.tenant(b.org.id) as s:
        await add_to_group(s, member=m, group=second, actor=ACTOR)
        for i in range(4):
            await record_contribution(s, b.org.id, m.id, b.group.id, rwf(100 + i), idempotency_key=f"g1:{i}",
                                      actor=ACTOR, effective_at=T0 + timedelta(days=2 * i))
            await record_contribution(s, b.org.id, m.id, second.id, rwf(200 + i), idempotency_key=f"g2:{i}",
                                      actor=ACTOR, effective_at=T0 + timedelta(days=2 * i + 1))
        await record_withdrawal(s, b.org.id, m.id, second.id, rwf(50), idempotency_key="w", actor=ACTOR,
                                effective_at=T0 + timedelta(days=30))
        recent = await member_recent_transactions(s, b.org.id, m.id, limit=5)
        others = await member_recent_transactions(s, b.org.id, b.members[1].id)
    assert [t.amount.amount for t in recent] == [-50, 203, 103, 202, 102]
    assert [t.group_code for t in recent[:3]] == [second.code, second.code, b.group.code]
    assert recent[0].kind == EntryKind.WITHDRAWAL and others == []


async def test_group_totals_and_trial_balance(db: Database) -> None:
    b = await make_books(db, members=3)
    g = b.group.id
    async with db.tenant(b.org.id) as s:
        for i, m in enumerate(b.members):
            await record_contribution(s, b.org.id, m.id, g, rwf(1000), idempotency_key=f"in{i}", actor=ACTOR,
                                      effective_at=T0 + timedelta(days=i))
        await record_withdrawal(s, b.org.id, b.members[0].id, g, rwf(400), idempotency_key="out", actor=ACTOR,
                                effective_at=T0 + timedelta(days=3))
        await record_contribution(s, b.org.id, b.members[1].id, g, rwf(999), idempotency_key="late", actor=ACTOR,
                                  effective_at=T0 + timedelta(days=40))
        totals = await group_totals(s, b.org.id, start=T0, end=T0 + timedelta(days=30))
        tb = await trial_balance(s, b.org.id)
        tb_then = await trial_balance(s, b.org.id, as_of=T0 + timedelta(days=2, hours=1))
        with pytest.raises(InvalidInput):
            await group_totals(s, b.org.id, start=T0, end=T0)
    assert len(totals) == 1
    t = totals[0]
    assert (t.group_code, t.purpose, t.inflow, t.outflow, t.net, t.entries) == (
        b.group.code, "member_savings", rwf(3000), rwf(400), rwf(2600), 4)
    assert tb.balanced and tb.debits["RWF"] == tb.credits["RWF"] == rwf(3000 + 999)
    lines = {line.code: line for line in tb.lines}
    assert lines["clearing:mtn"].debit == rwf(3999) and lines["cash"].credit == rwf(400)
    assert tb_then.balanced and tb_then.debits["RWF"] == Money(3000, "RWF")
