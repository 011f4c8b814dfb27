"""A member's savings read from the ledger: balances per group, recent movements, what came in this period.

Balances come from the ledger's public read API (member_balances). The movement queries below stay until the
ledger offers a savings-only history with running balances and "paid in since" (member_recent_transactions
covers every account, without balances after each line).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.ledger.balances import member_balances
from core.ledger.models import LedgerAccount, LedgerBalance, LedgerEntry, LedgerPosting
from core.ledger.types import AccountPurpose


@dataclass(frozen=True, slots=True)
class GroupSavings:
    group_id: int | None
    balance: int  # minor units, what the SACCO owes the member
    held: int  # part of it held (e.g. guaranteeing a loan)
    currency: str

    @property
    def available(self) -> int:
        return self.balance - self.held


async def savings_by_group(session: AsyncSession, organization_id: int, member_id: int) -> list[GroupSavings]:
    """One line per savings account of the member (a group they save in); empty before any saving.

    Read through the ledger's public API (member_balances); groups without an account yet are left out.
    """
    return [
        GroupSavings(b.group_id, b.balance.amount, b.held.amount, b.balance.currency)
        for b in await member_balances(session, organization_id, member_id)
        if b.account_id is not None
    ]


async def total_savings(session: AsyncSession, organization_id: int, member_id: int) -> int:
    return sum(s.balance for s in await savings_by_group(session, organization_id, member_id))


@dataclass(frozen=True, slots=True)
class SavingsLine:
    """One movement on a member's savings: + money in (contribution), - money out (withdrawal)."""

    effective_at: datetime
    kind: str
    memo: str
    group_id: int | None
    amount: int  # signed, member's view
    balance_after: int  # the account's balance right after it


def _member_savings_accounts(organization_id: int, member_id: int) -> Select[Any]:
    return select(LedgerAccount.id).where(
        LedgerAccount.organization_id == organization_id,
        LedgerAccount.member_id == member_id,
        LedgerAccount.purpose == AccountPurpose.MEMBER_SAVINGS,
    )


async def recent_savings_lines(
    session: AsyncSession, organization_id: int, member_id: int, *, limit: int = 5
) -> list[SavingsLine]:
    """The latest movements on the member's savings, newest first, with the balance after each."""
    accounts = _member_savings_accounts(organization_id, member_id)
    rows = (await session.execute(
        select(LedgerPosting.account_id, LedgerPosting.amount, LedgerPosting.effective_at, LedgerEntry.kind,
               LedgerEntry.memo, LedgerAccount.group_id)
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(LedgerPosting.organization_id == organization_id, LedgerPosting.account_id.in_(accounts))
        .order_by(LedgerPosting.effective_at.desc(), LedgerPosting.id.desc())
        .limit(limit)
    )).all()
    balances = {
        account_id: int(total)
        for account_id, total in (await session.execute(
            select(LedgerBalance.account_id, func.sum(LedgerBalance.balance))
            .where(LedgerBalance.account_id.in_(accounts))
            .group_by(LedgerBalance.account_id)
        )).all()
    }
    lines: list[SavingsLine] = []
    for account_id, amount, at, kind, memo, group_id in rows:
        signed = -int(amount)  # postings are debit-positive; savings grow with credits
        after = balances.get(account_id, 0)
        lines.append(SavingsLine(at, kind, memo or "", group_id, signed, after))
        balances[account_id] = after - signed
    return lines


async def paid_in_since(
    session: AsyncSession, organization_id: int, member_id: int, group_id: int, since: datetime
) -> tuple[int, datetime | None]:
    """Money into the member's savings in one group since `since`, and when the latest payment came."""
    accounts = _member_savings_accounts(organization_id, member_id).where(LedgerAccount.group_id == group_id)
    total, latest = (await session.execute(
        select(func.coalesce(func.sum(-LedgerPosting.amount), 0), func.max(LedgerPosting.effective_at))
        .where(
            LedgerPosting.organization_id == organization_id,
            LedgerPosting.account_id.in_(accounts),
            LedgerPosting.amount < 0,
            LedgerPosting.effective_at >= since,
        )
    )).one()
    return int(total), latest


async def last_payment_in(
    session: AsyncSession, organization_id: int, member_id: int
) -> tuple[int, datetime] | None:
    """The latest money into any of the member's savings: (amount, when), None before the first."""
    accounts = _member_savings_accounts(organization_id, member_id)
    row = (await session.execute(
        select(-LedgerPosting.amount, LedgerPosting.effective_at)
        .where(LedgerPosting.organization_id == organization_id, LedgerPosting.account_id.in_(accounts),
               LedgerPosting.amount < 0)
        .order_by(LedgerPosting.effective_at.desc(), LedgerPosting.id.desc())
        .limit(1)
    )).first()
    return (int(row[0]), row[1]) if row else None
