"""The walls: entries and postings cannot be changed by anyone; one SACCO never sees another's ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.audit.service import Actor
from core.db.database import Database
from core.ledger.balances import member_balances
from core.ledger.errors import UnknownAccount
from core.ledger.operations import record_contribution
from core.ledger.posting import post_entries
from core.ledger.statements import member_recent_transactions
from core.ledger.types import NewEntry, PostingSpec
from tests.integration.core.ledger.helpers import make_books, rwf

ACTOR = Actor.system("tests")
LEDGER_TABLES = ("ledger_accounts", "ledger_balances", "ledger_entries", "ledger_postings", "ledger_holds")


async def test_entries_and_postings_refuse_update_and_delete_even_for_the_owner(db: Database, owner_db: Database) -> None:
    b = await make_books(db)
    async with db.tenant(b.org.id) as s:
        await record_contribution(s, b.org.id, b.members[0].id, b.group.id, rwf(100), idempotency_key="x", actor=ACTOR)
    for sql in ("UPDATE ledger_entries SET memo = 'edited' WHERE organization_id = :o",
                "DELETE FROM ledger_entries WHERE organization_id = :o",
                "UPDATE ledger_postings SET amount = amount * 2 WHERE organization_id = :o",
                "DELETE FROM ledger_postings WHERE organization_id = :o"):
        with pytest.raises(DBAPIError, match="permission denied"):  # the app role lacks the privilege
            async with db.tenant(b.org.id) as s:
                await s.execute(text(sql), {"o": b.org.id})
        with pytest.raises(DBAPIError, match="append-only"):  # the owner is stopped by the trigger
            async with owner_db.tenant(b.org.id) as s:
                await s.execute(text(sql), {"o": b.org.id})


async def test_one_organization_sees_none_of_anothers_ledger(db: Database) -> None:
    a, b = await make_books(db), await make_books(db)
    for books in (a, b):
        async with db.tenant(books.org.id) as s:
            await record_contribution(s, books.org.id, books.members[0].id, books.group.id, rwf(700),
                                      idempotency_key="same-key-in-both", actor=ACTOR)
    async with db.tenant(a.org.id) as s:
        for table in LEDGER_TABLES:
            orgs = set((await s.execute(text(f"SELECT DISTINCT organization_id FROM {table}"))).scalars())
            assert orgs <= {a.org.id}, f"{table} leaks {orgs - {a.org.id}}"
        assert await member_balances(s, a.org.id, b.members[0].id) == []
        assert await member_balances(s, b.org.id, b.members[0].id) == []  # asking for B's id does not help
        assert await member_recent_transactions(s, b.org.id, b.members[0].id) == []
        with pytest.raises(UnknownAccount):  # nor can A post to B's accounts, even naming B
            await post_entries(s, b.org.id, [NewEntry("adjustment", (
                PostingSpec.debit(b.clearing, rwf(1)), PostingSpec.credit(b.savings[0], rwf(1))), "steal", ACTOR)])


async def test_without_a_scope_the_ledger_is_empty(db: Database) -> None:
    b = await make_books(db)
    async with db.sessions() as s, s.begin():
        assert (await s.execute(text("SELECT count(*) FROM ledger_accounts"))).scalar() == 0
        with pytest.raises(UnknownAccount):  # the ORM path (no transaction opened yet) translates too
            await post_entries(s, b.org.id, [NewEntry("adjustment", (
                PostingSpec.debit(b.clearing, rwf(1)), PostingSpec.credit(b.savings[0], rwf(1))), "k", ACTOR)])
