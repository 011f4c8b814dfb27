"""Totals per group for a period and the organization's trial balance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.money import Money


@dataclass(frozen=True, slots=True)
class GroupTotals:
    """Money into and out of a group's accounts of one purpose in a period, seen from the holders' side."""

    group_id: int
    group_code: str
    group_name: str
    purpose: str
    inflow: Money
    outflow: Money
    entries: int

    @property
    def net(self) -> Money:
        return self.inflow - self.outflow


_GROUP_TOTALS = text(
    """
    SELECT g.id, g.code, g.name, a.purpose, a.currency,
           coalesce(sum(s.amount) FILTER (WHERE s.amount > 0), 0),
           coalesce(-sum(s.amount) FILTER (WHERE s.amount < 0), 0),
           count(DISTINCT s.entry_id)
      FROM ledger_accounts a
      JOIN groups g ON g.id = a.group_id
      JOIN LATERAL (SELECT p.entry_id, p.amount * CASE a.normal_side WHEN 'debit' THEN 1 ELSE -1 END AS amount
                      FROM ledger_postings p
                     WHERE p.account_id = a.id AND p.effective_at >= :start AND p.effective_at < :end) s ON true
     WHERE a.organization_id = :org AND (CAST(:group AS bigint) IS NULL OR a.group_id = :group)
     GROUP BY g.id, g.code, g.name, a.purpose, a.currency
     ORDER BY g.code, a.purpose
    """
)


async def group_totals(
    session: AsyncSession, organization_id: int, *, start: datetime, end: datetime, group_id: int | None = None
) -> list[GroupTotals]:
    """Inflows, outflows and entry counts per group and account purpose for effective times in [start, end).

    Groups without movement in the period are left out. Raises InvalidInput when end is not after start.
    """
    if end <= start:
        raise InvalidInput("the period must end after it starts")
    result = await session.execute(
        _GROUP_TOTALS, {"org": organization_id, "start": start, "end": end, "group": group_id}
    )
    return [
        GroupTotals(gid, code, name, purpose, Money(int(inflow), cur), Money(int(outflow), cur), int(n))
        for gid, code, name, purpose, cur, inflow, outflow, n in result
    ]


@dataclass(frozen=True, slots=True)
class TrialBalanceLine:
    account_id: int
    code: str
    name: str
    type: str
    debit: Money  # one of debit/credit is zero
    credit: Money


@dataclass(frozen=True, slots=True)
class TrialBalance:
    lines: tuple[TrialBalanceLine, ...]
    debits: dict[str, Money]  # per currency
    credits: dict[str, Money]

    @property
    def balanced(self) -> bool:
        return self.debits == self.credits


_FROM_BALANCES = text(
    """
    SELECT a.id, a.code, a.name, a.type, a.currency,
           sum(b.balance) * CASE a.normal_side WHEN 'debit' THEN 1 ELSE -1 END
      FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id
     WHERE a.organization_id = :org
     GROUP BY a.id ORDER BY a.code
    """
)
_FROM_POSTINGS = text(
    """
    SELECT a.id, a.code, a.name, a.type, a.currency, coalesce(sum(p.amount), 0)
      FROM ledger_accounts a
      LEFT JOIN ledger_postings p ON p.account_id = a.id AND p.effective_at < :as_of
     WHERE a.organization_id = :org
     GROUP BY a.id ORDER BY a.code
    """
)


async def trial_balance(
    session: AsyncSession, organization_id: int, *, as_of: datetime | None = None, include_zero: bool = False
) -> TrialBalance:
    """Every account's balance in a debit or credit column; the columns agree per currency when all is well.

    Without `as_of` it reads the kept balances; with it, it sums postings effective before that time.
    """
    if as_of is None:
        result = await session.execute(_FROM_BALANCES, {"org": organization_id})
    else:
        result = await session.execute(_FROM_POSTINGS, {"org": organization_id, "as_of": as_of})
    lines = []
    debits: dict[str, Money] = {}
    credits: dict[str, Money] = {}
    for account_id, code, name, type_, currency, raw in result:
        raw = int(raw)
        zero = Money.zero(currency)
        debits.setdefault(currency, zero)
        credits.setdefault(currency, zero)
        if raw == 0 and not include_zero:
            continue
        debit, credit = (Money(raw, currency), zero) if raw > 0 else (zero, Money(-raw, currency))
        debits[currency] += debit
        credits[currency] += credit
        lines.append(TrialBalanceLine(account_id, code, name, type_, debit, credit))
    return TrialBalance(tuple(lines), debits, credits)
