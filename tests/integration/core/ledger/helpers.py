"""Shared set-up for ledger tests: an organization with a group, members and their savings account ids."""

from __future__ import annotations

from dataclasses import dataclass

from core.db.database import Database
from core.ledger.chart import SystemAccount, account_ids, ensure_member_savings_accounts
from core.members.models import Group, Member
from core.money import Money
from core.organizations.models import Organization
from tests.support.factories import make_group, make_member, make_organization


def rwf(amount: int) -> Money:
    return Money(amount, "RWF")


@dataclass
class Books:
    org: Organization
    group: Group
    members: list[Member]
    savings: list[int]  # savings account id per member, same order
    system: dict[str, int]  # organization-wide account ids by code

    @property
    def clearing(self) -> int:
        return self.system[SystemAccount.MTN_CLEARING]

    @property
    def cash(self) -> int:
        return self.system[SystemAccount.CASH]


async def make_books(db: Database, members: int = 2) -> Books:
    org = await make_organization(db)
    group = await make_group(db, org)
    people = [await make_member(db, org, group) for _ in range(members)]
    async with db.tenant(org.id) as s:
        ids = await ensure_member_savings_accounts(s, org.id, [(m.id, group.id) for m in people])
        system = await account_ids(s, org.id, [a.value for a in SystemAccount])
    return Books(org, group, people, [ids[(m.id, group.id)] for m in people], system)
