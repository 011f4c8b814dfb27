"""Reading balances: one account, and a member's savings across the groups they belong to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.ledger.errors import UnknownAccount
from core.ledger.types import Account, AccountPurpose, AccountType
from core.money import Money

_ACCOUNT = text(
    """
    SELECT a.id, a.organization_id, a.code, a.name, a.purpose, a.type, a.currency, a.member_id, a.group_id,
           a.loan_id, sum(b.balance), sum(b.held), max(b.floor)
      FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id
     WHERE a.id = :id AND a.organization_id = :org
     GROUP BY a.id
    """
)


def _account(row: Any) -> Account:
    id_, org, code, name, purpose, type_, currency, member, group, loan, balance, held, floor = row
    return Account(
        id=id_,
        organization_id=org,
        code=code,
        name=name,
        purpose=AccountPurpose(purpose),
        type=AccountType(type_),
        currency=currency,
        member_id=member,
        group_id=group,
        loan_id=loan,
        balance=Money(int(balance), currency),
        held=Money(int(held), currency),
        floor=None if floor is None else int(floor),
    )


async def get_account(session: AsyncSession, organization_id: int, account_id: int) -> Account:
    """The account with its balance (normal side positive), holds and available; raises UnknownAccount."""
    row = (await session.execute(_ACCOUNT, {"id": account_id, "org": organization_id})).first()
    if row is None:
        raise UnknownAccount(f"account {account_id} does not exist in this organization")
    return _account(row)


async def account_balance(session: AsyncSession, organization_id: int, account_id: int) -> Money:
    """The account's balance, normal side positive (savings: what the SACCO owes the member)."""
    return (await get_account(session, organization_id, account_id)).balance


@dataclass(frozen=True, slots=True)
class MemberGroupBalance:
    """A member's savings in one group; account_id is None while nothing has been saved there yet."""

    group_id: int
    group_code: str
    group_name: str
    account_id: int | None
    balance: Money
    held: Money
    available: Money


_MEMBER = text(
    """
    SELECT g.id, g.code, g.name, a.id, coalesce(b.balance, 0), coalesce(b.held, 0),
           coalesce(a.currency, o.currency)
      FROM groups g
      JOIN organizations o ON o.id = g.organization_id
      LEFT JOIN ledger_accounts a
             ON a.organization_id = g.organization_id AND a.member_id = :member AND a.group_id = g.id
            AND a.purpose = 'member_savings'
      LEFT JOIN ledger_balances b ON b.account_id = a.id AND b.shard = 0
     WHERE g.organization_id = :org
       AND (a.id IS NOT NULL OR EXISTS (
            SELECT 1 FROM group_memberships gm
             WHERE gm.group_id = g.id AND gm.member_id = :member AND gm.left_on IS NULL))
     ORDER BY g.code
    """
)


async def member_balances(session: AsyncSession, organization_id: int, member_id: int) -> list[MemberGroupBalance]:
    """Savings per group for the member: every group they are in, and any group they left holding money.

    Empty for a member of another organization (they do not exist here).
    """
    result = await session.execute(_MEMBER, {"org": organization_id, "member": member_id})
    out = []
    for group_id, code, name, account_id, balance, held, currency in result:
        bal, hld = Money(int(balance), currency), Money(int(held), currency)
        out.append(MemberGroupBalance(group_id, code, name, account_id, bal, hld, bal - hld))
    return out
