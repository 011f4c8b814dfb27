"""Writing a loan off: refused until it is 90 days late, to whoever lent it and to roles without loans.approve;
then its receivables end at zero (principal to loan losses, unpaid penalties out of penalty income), its
guarantors are freed, arrears stop, and what the member pays later is a recovery, by hand or by MoMo SMS."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.audit.models import AuditEvent
from core.db.database import Database
from core.errors import Conflict, PermissionDenied
from core.identity.permissions import StaffPrincipal
from core.identity.roles import StaffRole
from core.ledger.balances import account_balance, member_balances
from core.ledger.chart import SystemAccount, ensure_loan_accounts, system_account_id
from core.ledger.check import check_ledger
from core.loans.arrears import run_arrears
from core.loans.errors import IllegalTransition, MakerCheckerViolation, NotEligible
from core.loans.models import LoanApplication
from core.loans.repayment import repay
from core.loans.service import apply_for_loan, eligibility
from core.loans.statement import loan_summary, member_loans
from core.loans.writeoff import write_off
from core.payments.reconcile import reconcile_messages
from tests.integration.core.loans.conftest import DISBURSED_ON, Lending
from tests.integration.core.loans.test_loan_arrears import TEST, active_loan
from tests.support.momo import mtn_received, store

LOST_ON = date(2026, 5, 10)  # the first instalment (5 Feb) is 94 days late


async def unpaid_until(db: Database, lending: Lending, loan_id: int, last: date) -> None:
    """The member pays 10,000 on 1 March and nothing more; the daily arrears job runs every day to `last`."""
    org, day = lending.org.id, DISBURSED_ON
    while day <= last:
        async with db.tenant(org) as s:
            await run_arrears(s, org, day)
            if day == date(2026, 3, 1):
                await repay(s, organization_id=org, loan_id=loan_id, amount=10_000, idempotency_key="march",
                            actor=TEST, on=day)  # fmt: skip
        day += timedelta(days=1)


async def balances(db: Database, lending: Lending, loan_id: int) -> dict[str, int]:
    org = lending.org.id
    async with db.tenant(org) as s:
        loan = await s.get(LoanApplication, loan_id)
        assert loan is not None
        accounts = await ensure_loan_accounts(s, org, loan_id=loan_id, member_id=loan.member_id,
                                              group_id=loan.group_id, currency=loan.currency)  # fmt: skip
        named = {"principal": accounts.principal_id, "charges": accounts.interest_id}
        for account in (SystemAccount.LOAN_LOSSES, SystemAccount.PENALTY_INCOME, SystemAccount.RECOVERIES):
            named[account.value] = await system_account_id(s, org, account)
        return {name: (await account_balance(s, org, account_id)).amount for name, account_id in named.items()}


async def test_a_loan_lost_for_90_days_is_written_off_and_later_money_is_a_recovery(db: Database,
                                                                                     lending: Lending) -> None:  # fmt: skip
    org = lending.org.id
    loan_id = await active_loan(db, lending)
    await unpaid_until(db, lending, loan_id, LOST_ON)
    committee = StaffPrincipal(9_003, StaffRole.MANAGER, org)
    async with db.tenant(org) as s:
        with pytest.raises(Conflict, match="85 days late"):
            await write_off(s, principal=committee, organization_id=org, loan_id=loan_id, reason="absconded",
                            on=date(2026, 5, 1))  # fmt: skip
    async with db.tenant(org) as s:
        with pytest.raises(MakerCheckerViolation):  # approved and paid it out: may not also write it off
            await write_off(s, principal=lending.checker, organization_id=org, loan_id=loan_id, reason="absconded",
                            on=LOST_ON)  # fmt: skip
    async with db.tenant(org) as s:
        with pytest.raises(PermissionDenied):
            await write_off(s, principal=StaffPrincipal(9_004, StaffRole.LOAN_OFFICER, org), organization_id=org,
                            loan_id=loan_id, reason="absconded", on=LOST_ON)  # fmt: skip
    before = await balances(db, lending, loan_id)
    async with db.tenant(org) as s:
        summary = await loan_summary(s, org, loan_id)
    assert before["principal"] > 0 and before["charges"] == summary.penalty_outstanding > 0

    async with db.tenant(org) as s:
        done = await write_off(s, principal=committee, organization_id=org, loan_id=loan_id,
                               reason="Moved away; phone off since March", on=LOST_ON)  # fmt: skip
    after = await balances(db, lending, loan_id)
    assert (done.principal, done.penalties, done.days_late) == (before["principal"], before["charges"], 94)
    assert done.interest_forgone == summary.interest_outstanding
    assert after["principal"] == 0 and after["charges"] == 0  # no longer on the books as an asset
    assert after["expense:loan_losses"] - before["expense:loan_losses"] == before["principal"]
    assert before["income:penalties"] - after["income:penalties"] == before["charges"]
    async with db.tenant(org) as s:
        loan = await s.get(LoanApplication, loan_id)
        assert loan is not None and loan.status == "written_off" and loan.written_off_at is not None
        assert loan.write_off_reason == "Moved away; phone off since March"
        event = (await s.execute(AuditEvent.__table__.select().where(
            AuditEvent.action == "loan.written_off", AuditEvent.object_id == str(loan_id)))).one()  # fmt: skip
        assert event.actor_id == "9003" and event.details["principal"] == before["principal"]
        for guarantor in lending.guarantors:  # the SACCO absorbs the loss: their savings are theirs again
            (savings,) = await member_balances(s, org, guarantor.id)
            assert savings.held.amount == 0
        assert (await check_ledger(s, organization_id=org)).ok
        with pytest.raises(IllegalTransition):
            await write_off(s, principal=committee, organization_id=org, loan_id=loan_id, reason="again",
                            on=LOST_ON)  # fmt: skip
        rules = await eligibility(s, org, lending.borrower.id)
        assert not rules.eligible and rules.written_off_reference == loan.reference and "written off" in rules.explain()
        with pytest.raises(NotEligible, match="still owed"):  # no new loan while the lost one is owed
            await apply_for_loan(s, organization_id=org, member_id=lending.borrower.id, amount=10_000, term_months=3,
                                 purpose="more goats")  # fmt: skip

    async with db.tenant(org) as s:
        quiet = await run_arrears(s, org, LOST_ON + timedelta(days=30))  # no penalties, no reminders now
        recovered = await repay(s, organization_id=org, loan_id=loan_id, amount=15_000, idempotency_key="found",
                                actor=TEST, on=LOST_ON + timedelta(days=30))  # fmt: skip
        still = await loan_summary(s, org, loan_id)
    assert quiet.loans == 0 and quiet.penalties == 0 and quiet.notices == []
    assert not recovered.closed and still.status == "written_off"
    assert still.outstanding == summary.outstanding - 15_000  # the member still owes the rest
    final = await balances(db, lending, loan_id)
    assert final["income:recoveries"] - after["income:recoveries"] == 15_000
    assert final["principal"] == 0 and final["charges"] == 0

    assert still.payment_code
    by_sms = await store(db, org, mtn_received(5_000, still.payment_code))
    outcome = await reconcile_messages(db, org, [m.id for m in by_sms if m.id])
    assert outcome.allocated == 1  # a recovery, not an exception for a person
    assert (await balances(db, lending, loan_id))["income:recoveries"] - after["income:recoveries"] == 20_000
    async with db.tenant(org) as s:
        assert (await check_ledger(s, organization_id=org)).ok
        (owed,) = await member_loans(s, org, lending.borrower.id)  # the member still sees it, and its code
        assert owed.loan_id == loan_id and owed.outstanding == summary.outstanding - 20_000
        await repay(s, organization_id=org, loan_id=loan_id, amount=owed.outstanding, idempotency_key="rest",
                    actor=TEST, on=LOST_ON + timedelta(days=40))  # fmt: skip
    async with db.tenant(org) as s:
        assert await member_loans(s, org, lending.borrower.id) == []  # repaid in full: nothing owed to show
        assert (await eligibility(s, org, lending.borrower.id)).written_off_reference is None
        assert (await s.get(LoanApplication, loan_id)).status == "written_off"  # type: ignore[union-attr]
