"""The dashboard's figures: collections today and this month, per day, open exceptions, loans awaiting review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.loans.models import LoanApplication, LoanApplicationStatus
from core.loans.portfolio import portfolio_at_risk
from core.payments.recon_models import ExceptionStatus, PaymentException

# Money credited to members' savings (contributions, allocations), net of reversals; withdrawals left out.
_PER_DAY = text(
    """
    SELECT CAST(p.effective_at AT TIME ZONE 'UTC' AS date) AS day, coalesce(sum(-p.amount), 0)
      FROM ledger_postings p
      JOIN ledger_accounts a ON a.id = p.account_id
      JOIN ledger_entries e ON e.id = p.entry_id
     WHERE a.organization_id = :org AND a.purpose = 'member_savings' AND e.kind <> 'withdrawal'
       AND p.effective_at >= :start AND p.effective_at < :end
     GROUP BY day
     ORDER BY day
    """
)


@dataclass(frozen=True, slots=True)
class DayTotal:
    day: date
    amount: int  # minor units of the organization's currency


@dataclass(frozen=True, slots=True)
class DashboardFigures:
    """What the manager sees first thing in the morning."""

    today: int
    month: int
    per_day: tuple[DayTotal, ...]  # the last `days` days, oldest first, zero-filled
    open_exceptions: int
    open_exceptions_value: int
    loans_awaiting_review: int
    par30: float | None  # share of portfolio 30+ days in arrears; None until loans report it


async def collections_per_day(
    session: AsyncSession, organization_id: int, *, start: date, end: date
) -> tuple[DayTotal, ...]:
    """Collections per UTC day for start <= day < end, every day present (zero when nothing came in)."""
    lo = datetime.combine(start, time.min, UTC)
    hi = datetime.combine(end, time.min, UTC)
    rows = await session.execute(_PER_DAY, {"org": organization_id, "start": lo, "end": hi})
    got = {day: int(amount) for day, amount in rows}
    days = (end - start).days
    return tuple(DayTotal(d, got.get(d, 0)) for d in (start + timedelta(n) for n in range(days)))


async def dashboard_figures(
    session: AsyncSession, organization_id: int, *, today: date | None = None, days: int = 30
) -> DashboardFigures:
    """Collections, the open exception queue and the loan review queue of one organization."""
    today = today or datetime.now(UTC).date()
    month_start = today.replace(day=1)
    start = min(month_start, today - timedelta(days=days - 1))
    series = await collections_per_day(session, organization_id, start=start, end=today + timedelta(1))
    exc_count, exc_value = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(PaymentException.amount), 0)).where(
                PaymentException.organization_id == organization_id,
                PaymentException.status == ExceptionStatus.OPEN.value,
            )
        )
    ).one()
    loans = (
        await session.execute(
            select(func.count()).where(
                LoanApplication.organization_id == organization_id,
                LoanApplication.status.in_(
                    (LoanApplicationStatus.SUBMITTED.value, LoanApplicationStatus.UNDER_REVIEW.value)
                ),
            )
        )
    ).scalar_one()
    par = (await portfolio_at_risk(session, organization_id, today, days=30))[0]
    return DashboardFigures(
        today=series[-1].amount if series else 0,
        month=sum(d.amount for d in series if d.day >= month_start),
        per_day=series[-days:],
        open_exceptions=int(exc_count or 0),
        open_exceptions_value=int(exc_value or 0),
        loans_awaiting_review=int(loans or 0),
        par30=par.ratio if par.outstanding_principal else None,
    )
