"""The member overview (the balance reply's figures): the overviews of one event-loop tick share one
statement, each member read in their own SACCO, with the same figures as one asked alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from core.db.database import Database
from core.loans.member_overview import member_overview
from tests.support.conversations import add_savings
from tests.support.factories import make_group, make_member, make_organization
from tests.support.native_statements import native_statement_names

NOW = datetime.now(UTC)
STARTS = {"weekly": NOW - timedelta(days=3), "biweekly": NOW - timedelta(days=10), "monthly": NOW - timedelta(days=20)}


async def test_overviews_of_one_tick_share_a_statement_and_stay_in_their_sacco(db: Database) -> None:
    a, b = await make_organization(db), await make_organization(db)
    group_a = await make_group(db, a, name="Twisungane")
    group_b = await make_group(db, b, name="Abakundana")
    alice = await make_member(db, a, group_a)
    bosco = await make_member(db, b, group_b)
    claire = await make_member(db, a, group_a)
    await add_savings(db, a, alice, group_a, 12_000, days_ago=1)
    await add_savings(db, b, bosco, group_b, 7_000, days_ago=40)
    alone = [await member_overview(db, a.id, m.id, STARTS) for m in (alice, claire)]
    seen = native_statement_names(db)
    asks = [(a.id, alice.id), (b.id, bosco.id), (a.id, claire.id), (a.id, bosco.id)]  # last: B's member asked as A
    together = await asyncio.gather(*(member_overview(db, org, member, STARTS) for org, member in asks))
    assert seen == ["SELECT * FROM member_overview_many"]
    assert [together[0], together[2]] == alone
    assert [(g.name, g.saved, g.paid_this_period) for g in together[0].groups] == [("Twisungane", 12_000, 12_000)]
    assert together[0].last_payment is not None and together[0].last_payment[0] == 12_000
    assert [(g.name, g.saved, g.paid_this_period) for g in together[1].groups] == [("Abakundana", 7_000, 0)]
    assert together[3].groups == () and together[3].last_payment is None  # nothing of B's shows as A
