"""Collections by group and month, and a loan portfolio summary: the tables behind the reports page and CSVs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.loans.models import LoanApplication

_BY_GROUP_MONTH = text(
    """
    SELECT g.id, g.code, g.name, CAST(date_trunc('month', p.effective_at AT TIME ZONE 'UTC') AS date) AS month,
           coalesce(sum(-p.amount), 0), count(DISTINCT p.entry_id)
      FROM ledger_postings p
      JOIN ledger_accounts a ON a.id = p.account_id
      JOIN ledger_entries e ON e.id = p.entry_id
      JOIN groups g ON g.id = a.group_id
     WHERE a.organization_id = :org AND a.purpose = 'member_savings' AND e.kind <> 'withdrawal'
       AND p.effective_at >= :start AND p.effective_at < :end
     GROUP BY g.id, g.code, g.name, month
     ORDER BY month, g.code
    """
)


@dataclass(frozen=True, slots=True)
class GroupMonth:
    group_id: int
    group_code: str
    group_name: str
    month: date
    amount: int
    entries: int


@dataclass(frozen=True, slots=True)
class PortfolioLine:
    status: str
    loans: int
    amount: int
    currency: str


def period(start: str | None, end: str | None, *, default_start: date) -> tuple[date, date]:
    """Parse ?start=YYYY-MM-DD&end=YYYY-MM-DD (end exclusive, default tomorrow); InvalidInput when malformed."""
    try:
        lo = date.fromisoformat(start) if start else default_start
        hi = date.fromisoformat(end) if end else datetime.now(UTC).date() + timedelta(days=1)
    except ValueError:
        raise InvalidInput("dates are written YYYY-MM-DD") from None
    if hi <= lo:
        raise InvalidInput("the period must end after it starts")
    return lo, hi


def bounds(lo: date, hi: date) -> tuple[datetime, datetime]:
    return datetime.combine(lo, time.min, UTC), datetime.combine(hi, time.min, UTC)


async def collections_by_group_month(
    session: AsyncSession, organization_id: int, *, start: date, end: date
) -> list[GroupMonth]:
    """Money credited to members' savings per group and calendar month, net of reversals, in [start, end)."""
    lo, hi = bounds(start, end)
    rows = await session.execute(_BY_GROUP_MONTH, {"org": organization_id, "start": lo, "end": hi})
    return [
        GroupMonth(gid, code, name, month, int(amount), int(n)) for gid, code, name, month, amount, n in rows
    ]


async def loan_portfolio(session: AsyncSession, organization_id: int) -> list[PortfolioLine]:
    """Loan applications by status: how many and how much was asked or lent."""
    rows = await session.execute(
        select(
            LoanApplication.status, LoanApplication.currency, func.count(), func.sum(LoanApplication.amount)
        )
        .where(LoanApplication.organization_id == organization_id)
        .group_by(LoanApplication.status, LoanApplication.currency)
        .order_by(LoanApplication.status)
    )
    return [PortfolioLine(str(s), int(n), int(total or 0), str(cur)) for s, cur, n, total in rows]


def safe_cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading '; phone numbers (+250…) stay as they are."""
    if not isinstance(value, str) or not value:
        return value
    risky = value[0] in "=@\t\r" or (value[0] in "+-" and not value[1:].replace(" ", "").isdigit())
    return "'" + value if risky else value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text with a header row; cells that a spreadsheet would run as formulas are quoted with a '."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return out.getvalue()


_GROUP_BALANCES = text(
    """
    SELECT m.id, m.first_name || ' ' || m.last_name, coalesce(b.balance, 0)
      FROM group_memberships gm
      JOIN members m ON m.id = gm.member_id
      LEFT JOIN ledger_accounts a ON a.organization_id = gm.organization_id AND a.member_id = m.id
            AND a.group_id = gm.group_id AND a.purpose = 'member_savings'
      LEFT JOIN ledger_balances b ON b.account_id = a.id AND b.shard = 0
     WHERE gm.organization_id = :org AND gm.group_id = :group AND gm.left_on IS NULL
     ORDER BY m.last_name, m.id
    """
)


async def group_balances(
    session: AsyncSession, organization_id: int, group_id: int
) -> list[tuple[int, str, int]]:
    """(member id, name, savings balance) for the group's active members."""
    rows = await session.execute(_GROUP_BALANCES, {"org": organization_id, "group": group_id})
    return [(int(mid), str(name), int(bal)) for mid, name, bal in rows]
