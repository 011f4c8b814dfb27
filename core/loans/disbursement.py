"""Disbursement: the ledger entry that pays a loan out, the repayment schedule, and the loan's payment code.

Entry (one, idempotent on `loan:{id}:disbursement`): debit the loan's principal receivable with the amount lent;
credit the payout account (cash or a mobile-money clearing account) with the amount less the upfront fee, and fee
income with the fee. Interest is recognised on receipt (cash basis); penalties are charged when late.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from core.identity.permissions import Permission, StaffPrincipal, requires
from core.ledger.chart import SystemAccount, ensure_loan_accounts, system_account_id
from core.ledger.posting import post_entry
from core.ledger.types import EntryKind, PostingSpec
from core.loans.lifecycle import check_move, move
from core.loans.models import LoanApplication, LoanInstalment
from core.loans.models import LoanApplicationStatus as S
from core.loans.products import product_terms
from core.loans.review import get_loan
from core.loans.schedule import build_schedule, instalment_count
from core.money import Money, minor_unit_exponent
from core.payments.member_codes import assign_code
from core.payments.models import CodePurpose


class PayoutMethod(StrEnum):
    CASH = "cash"
    MTN = "mtn"
    AIRTEL = "airtel"

    @property
    def account(self) -> SystemAccount:
        return {PayoutMethod.CASH: SystemAccount.CASH, PayoutMethod.MTN: SystemAccount.MTN_CLEARING,
                PayoutMethod.AIRTEL: SystemAccount.AIRTEL_CLEARING}[self]


@requires(Permission.LOANS_DISBURSE)
async def disburse(
    session: AsyncSession,
    *,
    principal: StaffPrincipal,
    organization_id: int,
    loan_id: int,
    method: PayoutMethod = PayoutMethod.MTN,
    on: date | None = None,
) -> LoanApplication:
    """Pay an approved loan out, write its schedule and give it a LOAN_REPAYMENT payment code.

    Raises IllegalTransition (not approved), PermissionDenied, and the ledger's errors.
    """
    loan = await get_loan(session, organization_id, loan_id, lock=True)
    check_move(loan, S.DISBURSED)
    terms = await product_terms(session, organization_id, loan.product_id, loan.currency)
    day = on or datetime.now(UTC).date()
    unit = 10 ** minor_unit_exponent(loan.currency)
    fee = terms.fee_for(loan.amount)
    fee -= fee % unit
    accounts = await ensure_loan_accounts(session, organization_id, loan_id=loan.id, member_id=loan.member_id,
                                          group_id=loan.group_id, currency=loan.currency)
    payout = await system_account_id(session, organization_id, method.account)
    legs = [PostingSpec.debit(accounts.principal_id, Money(loan.amount, loan.currency)),
            PostingSpec.credit(payout, Money(loan.amount - fee, loan.currency))]
    if fee:
        income = await system_account_id(session, organization_id, SystemAccount.FEE_INCOME)
        legs.append(PostingSpec.credit(income, Money(fee, loan.currency)))
    entry = await post_entry(
        session, organization_id=organization_id, kind=EntryKind.LOAN_DISBURSEMENT, postings=legs,
        idempotency_key=f"loan:{loan.id}:disbursement", actor=principal.actor,
        memo=f"loan {loan.reference} paid out ({method})",
        effective_at=datetime.combine(day, datetime.min.time(), UTC) if on else None,
        metadata={"loan_id": loan.id, "member_id": loan.member_id, "fee": fee, "method": str(method)}, audit=False,
    )
    loan.disbursed_at, loan.disbursed_on = datetime.now(UTC), day
    loan.disbursement_method, loan.disbursement_entry_id, loan.fee_amount = str(method), entry.id, fee
    await move(session, loan, S.DISBURSED, actor=principal.actor,
               details={"entry_id": entry.id, "method": str(method), "fee": fee, "on": day.isoformat()})
    schedule = build_schedule(loan.amount, annual_rate_bp=terms.annual_rate_bp,
                              count=instalment_count(loan.term_months, terms.frequency), method=terms.interest_method,
                              frequency=terms.frequency, start=day, unit=unit)
    session.add_all(LoanInstalment(organization_id=organization_id, loan_id=loan.id, number=i.number, due_on=i.due_on,
                                   principal_due=i.principal, interest_due=i.interest, penalty_due=0, principal_paid=0,
                                   interest_paid=0, penalty_paid=0, penalties_charged=0, overdue=False)
                    for i in schedule)
    loan.payment_code = await assign_code(session, organization_id=organization_id, member_id=loan.member_id,
                                          loan_id=loan.id, purpose=CodePurpose.LOAN_REPAYMENT)
    await move(session, loan, S.ACTIVE, actor=principal.actor,
               details={"instalments": len(schedule), "payment_code": loan.payment_code})
    return loan
