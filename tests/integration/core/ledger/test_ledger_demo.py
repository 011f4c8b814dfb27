"""The demo has savings: weeks of contributions per member, posted once however often the demo is loaded."""

from __future__ import annotations

from core.db.database import Database
from core.demo.contributions import post_demo_contributions
from core.demo.seed import seed_demo
from core.ledger.balances import member_balances
from core.ledger.check import check_ledger
from core.members.service import members_by_phone
from core.money import Money


async def test_demo_members_have_savings_and_a_rerun_posts_nothing(db: Database) -> None:
    await seed_demo(db)
    async with db.system() as s:
        assert await post_demo_contributions(s) == 0
        aline = next(m for m in await members_by_phone(s, "+250788100001"))
    async with db.tenant(aline.organization_id) as s:
        balances = {b.group_code: b for b in await member_balances(s, aline.organization_id, aline.id)}
        report = await check_ledger(s, organization_id=aline.organization_id)
    assert balances["TWISUNGANE"].balance >= Money(20_000, "RWF")
    assert balances["ABISHYIZEHAMWE"].balance == Money(15_000, "RWF")
    assert report.ok and report.entries >= 12 * 4 + 3 * 4
