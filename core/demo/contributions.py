"""Demo savings: a few weeks of contributions per demo member, posted idempotently (demo:contrib:<member>:<group>:<n>)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor
from core.demo.spec import ORGANIZATIONS
from core.ledger.chart import SystemAccount, ensure_member_savings_accounts, system_account_id
from core.ledger.posting import post_entries
from core.ledger.types import EntryKind, NewEntry, PostingSpec
from core.members.models import Frequency, Group, Member
from core.money import Money
from core.organizations.models import Organization

DEMO_ACTOR = Actor.system("demo")
# How many past contributions each member has made: three months' worth, so the first demo member
# (+250788100001, 2,000 RWF a week in TWISUNGANE) holds 24,000 RWF there, enough for a loan demo.
HISTORY = {Frequency.WEEKLY: (12, timedelta(weeks=1)), Frequency.BIWEEKLY: (6, timedelta(weeks=2)),
           Frequency.MONTHLY: (3, timedelta(days=30))}


async def post_demo_contributions(session: AsyncSession) -> int:
    """Post the demo members' past contributions (system scope); returns how many were new (0 on a re-run)."""
    new = 0
    today = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    for spec in ORGANIZATIONS:
        org = (await session.execute(select(Organization).where(Organization.slug == spec.slug))).scalar_one_or_none()
        if org is None:
            continue
        groups = {g.code: g for g in (await session.execute(select(Group).where(Group.organization_id == org.id))).scalars()}
        phones = [m.phone for m in spec.members]
        members = {m.phone: m for m in (await session.execute(
            select(Member).where(Member.organization_id == org.id, Member.phone.in_(phones)))).scalars()}
        wanted = [(members[m.phone], groups[code]) for m in spec.members if m.phone in members
                  for code, _ in m.groups if code in groups]
        savings = await ensure_member_savings_accounts(session, org.id, [(m.id, g.id) for m, g in wanted])
        clearing = await system_account_id(session, org.id, SystemAccount.MTN_CLEARING)
        entries = []
        for member, group in wanted:
            count, step = HISTORY.get(Frequency(group.contribution_frequency), HISTORY[Frequency.WEEKLY])
            amount = Money(group.contribution_amount, org.currency)
            if not amount.is_positive:
                continue
            for n in range(1, count + 1):
                entries.append(NewEntry(
                    kind=EntryKind.CONTRIBUTION,
                    postings=(PostingSpec.debit(clearing, amount),
                              PostingSpec.credit(savings[(member.id, group.id)], amount)),
                    idempotency_key=f"demo:contrib:{member.id}:{group.code}:{n}",
                    actor=DEMO_ACTOR,
                    memo=f"{group.code} contribution {n}",
                    effective_at=today - step * (count - n),
                    metadata={"member_id": member.id, "group_id": group.id, "demo": True},
                ))
        posted = await post_entries(session, org.id, entries, audit_actor=DEMO_ACTOR)
        new += sum(1 for p in posted if not p.replayed)
    return new
