"""The ledger check recomputes balances from postings and names every tampered row."""

from __future__ import annotations

from sqlalchemy import text

from core.audit.service import Actor
from core.db.database import Database
from core.ledger.check import check_ledger
from core.ledger.holds import place_hold
from core.ledger.operations import record_contribution, reverse_entry
from tests.integration.core.ledger.helpers import make_books, rwf

ACTOR = Actor.system("tests")


async def _problems(db: Database, org_id: int) -> list[tuple[str, str]]:
    async with db.system() as s:
        report = await check_ledger(s, organization_id=org_id)
    return [(p.kind, p.subject) for p in report.problems]


async def test_check_passes_then_finds_tampering(db: Database, owner_db: Database) -> None:
    b = await make_books(db)
    async with db.tenant(b.org.id) as s:
        first = await record_contribution(s, b.org.id, b.members[0].id, b.group.id, rwf(900), idempotency_key="a",
                                          actor=ACTOR)
        await record_contribution(s, b.org.id, b.members[1].id, b.group.id, rwf(300), idempotency_key="b", actor=ACTOR)
        await reverse_entry(s, b.org.id, first.id, reason="test", actor=ACTOR)
        await place_hold(s, b.org.id, b.savings[1], rwf(100), reference="h", actor=ACTOR)
    async with db.system() as s:
        report = await check_ledger(s, organization_id=b.org.id)
    assert report.ok and (report.entries, report.postings) == (3, 6)
    assert report.summary() == f"ledger check: 3 entries, {report.accounts} accounts, all balanced"

    async with owner_db.system() as s:  # a balance edited behind the ledger's back
        await s.execute(text("UPDATE ledger_balances SET balance = balance + 5 WHERE account_id = :a"),
                        {"a": b.savings[1]})
    assert await _problems(db, b.org.id) == [("balance", f"account {b.savings[1]} (savings:{b.group.id}:{b.members[1].id})")]
    async with owner_db.system() as s:
        await s.execute(text("UPDATE ledger_balances SET balance = balance - 5, held = 0 WHERE account_id = :a"),
                        {"a": b.savings[1]})
    assert await _problems(db, b.org.id) == [("holds", f"account {b.savings[1]}")]
    async with owner_db.system() as s:
        await s.execute(text("UPDATE ledger_balances SET held = 100 WHERE account_id = :a"), {"a": b.savings[1]})

    entry_id = first.id
    async with owner_db.system() as s:  # a posting slipped into an existing entry (inserts are not refused)
        await s.execute(text(
            "INSERT INTO ledger_postings (organization_id, entry_id, account_id, amount, currency, effective_at) "
            "SELECT organization_id, id, :a, 7, 'RWF', effective_at FROM ledger_entries WHERE id = :e"),
            {"a": b.cash, "e": entry_id})
    try:
        kinds = {kind for kind, _ in await _problems(db, b.org.id)}
        assert kinds == {"balance", "unbalanced_entry", "reversal"}
    finally:
        async with owner_db.system() as s:
            await s.execute(text("ALTER TABLE ledger_postings DISABLE TRIGGER USER"))
            await s.execute(text("DELETE FROM ledger_postings WHERE entry_id = :e AND account_id = :a"),
                            {"e": entry_id, "a": b.cash})
            await s.execute(text("ALTER TABLE ledger_postings ENABLE TRIGGER USER"))
    assert await _problems(db, b.org.id) == []
