"""Arrears: the daily pass that marks late instalments, charges penalties through the ledger, queues reminders.

Penalties: once the grace days after a due date pass, an instalment is charged one penalty per late period (a
week or a month, by the product's frequency) started, up to `today`: rate x what is overdue on it, or a fixed
amount. Each charge has the ledger key `loan:{id}:penalty:{instalment}:{period}` and the instalment counts the
periods charged, so running the job twice for a day, or catching up after days off, charges each period once.
Entry: debit the loan's interest (charges) receivable, credit penalty income.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor
from core.ledger.chart import SystemAccount, ensure_loan_accounts, system_account_id
from core.ledger.posting import post_entry
from core.ledger.types import EntryKind, PostingSpec
from core.loans.models import LoanApplication, LoanInstalment
from core.loans.models import LoanApplicationStatus as S
from core.loans.notices import LoanNotice
from core.loans.products import ProductTerms, product_terms
from core.money import Money, minor_unit_exponent

ARREARS_ACTOR = Actor.system("loan_arrears")
REMIND_DAYS_BEFORE = 3
LATE_REMINDER_EVERY = 7  # days between reminders while late


@dataclass(slots=True)
class ArrearsOutcome:
    loans: int = 0
    overdue_instalments: int = 0
    penalties: int = 0
    penalty_amount: int = 0
    notices: list[LoanNotice] = field(default_factory=list)


def penalty_periods(due_on: date, today: date, grace_days: int, period_days: int) -> int:
    """Late periods started by `today`: 0 within grace; 1 from the first day after grace; +1 per period after."""
    start = due_on + timedelta(days=grace_days)
    return 0 if today <= start else ((today - start).days - 1) // period_days + 1


def penalty_amount(terms: ProductTerms, overdue: int, unit: int) -> int:
    if terms.penalty_kind == "fixed":
        return terms.penalty_value
    raw = (overdue * terms.penalty_value + 5_000) // 10_000
    return raw - raw % unit


async def run_arrears(session: AsyncSession, organization_id: int, today: date) -> ArrearsOutcome:
    """One day's pass over the organization's active loans (pass `today` explicitly; tests walk a calendar).

    Returns the reminders for the caller to send with its renderer. Raises the ledger's errors.
    """
    out = ArrearsOutcome()
    loans = list((await session.execute(select(LoanApplication).where(
        LoanApplication.organization_id == organization_id, LoanApplication.status == S.ACTIVE)
        .order_by(LoanApplication.id))).scalars())
    if not loans:
        return out
    income = await system_account_id(session, organization_id, SystemAccount.PENALTY_INCOME)
    for loan in loans:
        out.loans += 1
        terms = await product_terms(session, organization_id, loan.product_id, loan.currency)
        unit = 10 ** minor_unit_exponent(loan.currency)
        rows = (await session.execute(select(LoanInstalment).where(
            LoanInstalment.organization_id == organization_id, LoanInstalment.loan_id == loan.id)
            .order_by(LoanInstalment.number).with_for_update())).scalars()
        for row in rows:
            if row.outstanding == 0:
                continue
            if row.due_on < today:
                row.overdue = True
                out.overdue_instalments += 1
            await _charge(session, loan, row, terms, today, unit, income, out)
            _remind(loan, row, today, out)
    await session.flush()
    return out


async def _charge(session: AsyncSession, loan: LoanApplication, row: LoanInstalment, terms: ProductTerms,
                  today: date, unit: int, income: int, out: ArrearsOutcome) -> None:
    if not terms.penalty_value:
        return
    due_periods = penalty_periods(row.due_on, today, terms.penalty_grace_days, terms.frequency.approx_days)
    for period in range(row.penalties_charged + 1, due_periods + 1):
        overdue = (row.principal_due - row.principal_paid) + (row.interest_due - row.interest_paid)
        amount = penalty_amount(terms, overdue, unit)
        if amount > 0:
            accounts = await ensure_loan_accounts(session, loan.organization_id, loan_id=loan.id,
                                                  member_id=loan.member_id, group_id=loan.group_id,
                                                  currency=loan.currency)
            money = Money(amount, loan.currency)
            await post_entry(
                session, organization_id=loan.organization_id, kind=EntryKind.PENALTY,
                postings=[PostingSpec.debit(accounts.interest_id, money), PostingSpec.credit(income, money)],
                idempotency_key=f"loan:{loan.id}:penalty:{row.number}:{period}", actor=ARREARS_ACTOR,
                memo=f"late penalty, loan {loan.reference} instalment {row.number}", audit=False,
                metadata={"loan_id": loan.id, "instalment": row.number, "period": period, "day": today.isoformat()},
            )
            row.penalty_due += amount
            out.penalties += 1
            out.penalty_amount += amount
        row.penalties_charged = period


def _remind(loan: LoanApplication, row: LoanInstalment, today: date, out: ArrearsOutcome) -> None:
    if row.reminded_on == today:
        return
    days = (row.due_on - today).days
    values = {"reference": loan.reference, "amount": Money(row.outstanding, loan.currency), "date": row.due_on,
              "code": loan.payment_code or ""}
    if days == REMIND_DAYS_BEFORE or days == 0:
        msgid = "loan.reminder_due"
    elif days < 0 and (-days) % LATE_REMINDER_EVERY == 1:
        msgid = "loan.reminder_late"
    else:
        return
    row.reminded_on = today
    out.notices.append(LoanNotice(loan.member_id, msgid, values, {"loan_id": str(loan.id)}))
