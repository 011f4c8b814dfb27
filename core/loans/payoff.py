"""Early settlement (Fineract's foreclosure) of a declining-balance loan: future periods' interest is waived.

Interest of an instalment whose period has started by the settlement day (its period runs from the previous
due date, or the disbursement day, to its own due date) stays owed in full, with no day-count proration; the
interest of periods not yet started is not owed when the member pays everything off. Flat loans owe their
interest as scheduled (the price was agreed up front).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.loans.models import LoanInstalment
from core.loans.products import product_terms
from core.loans.review import get_loan
from core.loans.schedule import InterestMethod


@dataclass(frozen=True, slots=True)
class PayoffQuote:
    loan_id: int
    on: date
    amount: int  # what settles the loan in full on `on`
    interest_waived: int


def waivable_interest(rows: Sequence[LoanInstalment], disbursed_on: date, day: date) -> Mapping[int, int]:
    """Instalment number -> unpaid interest of periods that start after `day` (pure)."""
    waived: dict[int, int] = {}
    start = disbursed_on
    for row in sorted(rows, key=lambda r: r.number):
        if start > day and row.interest_due > row.interest_paid:
            waived[row.number] = row.interest_due - row.interest_paid
        start = row.due_on
    return waived


def quote(rows: Sequence[LoanInstalment], disbursed_on: date, day: date, method: InterestMethod
          ) -> tuple[int, Mapping[int, int]]:
    """(payoff amount, waiver by instalment) for the loan's instalments on `day` (pure)."""
    waived = waivable_interest(rows, disbursed_on, day) if method is InterestMethod.DECLINING else {}
    return sum(r.outstanding for r in rows) - sum(waived.values()), waived


async def payoff_quote(session: AsyncSession, organization_id: int, loan_id: int, on: date) -> PayoffQuote:
    """What the member pays to close the loan on `on` (staff screens, the member's question). Raises NotFound."""
    loan = await get_loan(session, organization_id, loan_id)
    terms = await product_terms(session, organization_id, loan.product_id, loan.currency)
    rows = list((await session.execute(select(LoanInstalment).where(
        LoanInstalment.organization_id == organization_id, LoanInstalment.loan_id == loan.id))).scalars())
    amount, waived = quote(rows, loan.disbursed_on or on, on, terms.interest_method)
    return PayoffQuote(loan.id, on, amount, sum(waived.values()))
