"""What a loan stands at: outstanding by component, the next instalment, and the schedule with payments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.ledger.chart import ensure_loan_accounts
from core.ledger.statements import Statement, statement
from core.loans.lifecycle import OWED
from core.loans.models import LoanApplication, LoanInstalment
from core.loans.models import LoanApplicationStatus as S
from core.loans.repayment import instalments
from core.loans.review import get_loan


@dataclass(frozen=True, slots=True)
class ScheduleLine:
    number: int
    due_on: date
    principal: int
    interest: int
    penalty: int
    paid: int
    outstanding: int
    overdue: bool
    paid_on: date | None


@dataclass(frozen=True, slots=True)
class LoanSummary:
    loan_id: int
    reference: str
    status: str
    currency: str
    amount: int
    principal_outstanding: int
    interest_outstanding: int
    penalty_outstanding: int
    next_due_on: date | None
    next_due_amount: int
    overdue_amount: int
    payment_code: str | None
    schedule: tuple[ScheduleLine, ...]

    @property
    def outstanding(self) -> int:
        return self.principal_outstanding + self.interest_outstanding + self.penalty_outstanding


def _line(r: LoanInstalment) -> ScheduleLine:
    return ScheduleLine(r.number, r.due_on, r.principal_due, r.interest_due, r.penalty_due,
                        r.principal_paid + r.interest_paid + r.penalty_paid, r.outstanding, r.overdue, r.paid_on)


def summarise(loan: LoanApplication, rows: list[LoanInstalment]) -> LoanSummary:
    lines = tuple(_line(r) for r in rows)
    unpaid = [r for r in rows if r.outstanding > 0]
    nxt = unpaid[0] if unpaid else None
    return LoanSummary(
        loan.id, loan.reference, loan.status, loan.currency, loan.amount,
        sum(r.principal_due - r.principal_paid for r in rows), sum(r.interest_due - r.interest_paid for r in rows),
        sum(r.penalty_due - r.penalty_paid for r in rows), nxt.due_on if nxt else None,
        nxt.outstanding if nxt else 0, sum(r.outstanding for r in rows if r.overdue), loan.payment_code, lines,
    )


async def loan_summary(session: AsyncSession, organization_id: int, loan_id: int) -> LoanSummary:
    """The loan's standing and full schedule (staff screens, the member API). Raises NotFound."""
    loan = await get_loan(session, organization_id, loan_id)
    return summarise(loan, await instalments(session, organization_id, loan.id))


async def member_loans(session: AsyncSession, organization_id: int, member_id: int) -> list[LoanSummary]:
    """The loans the member still owes (what the balance and loan-status replies show): disbursed and not yet
    closed, or written off with something left, which they still repay by its code."""
    loans = (await session.execute(select(LoanApplication).where(
        LoanApplication.organization_id == organization_id, LoanApplication.member_id == member_id,
        LoanApplication.status.in_([str(s) for s in OWED])).order_by(LoanApplication.id))).scalars()
    summaries = [summarise(loan, await instalments(session, organization_id, loan.id)) for loan in loans]
    return [loan for loan in summaries if loan.status != S.WRITTEN_OFF or loan.outstanding > 0]


async def loan_ledger_statement(
    session: AsyncSession, organization_id: int, loan_id: int, *, limit: int = 50, after_cursor: str | None = None
) -> Statement:
    """Postings on the loan's principal receivable (disbursement, principal repaid), oldest first, paged.

    Raises NotFound (no such loan) and the ledger statement's errors (UnknownAccount before disbursement).
    """
    loan = await get_loan(session, organization_id, loan_id)
    accounts = await ensure_loan_accounts(session, organization_id, loan_id=loan.id, member_id=loan.member_id,
                                          group_id=loan.group_id, currency=loan.currency)
    return await statement(session, organization_id, accounts.principal_id, limit=limit, after_cursor=after_cursor)
