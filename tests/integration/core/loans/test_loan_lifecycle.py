"""Application to closing through the services: eligibility, guarantors and holds, maker-checker, disbursement
entries and schedule, repayments in allocation order, overpayment to savings, closing releases holds."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from core.audit.service import Actor
from core.db.database import Database
from core.errors import Conflict, NotFound, PermissionDenied
from core.identity.permissions import StaffPrincipal
from core.identity.roles import StaffRole
from core.ledger.balances import member_balances
from core.ledger.errors import InsufficientFunds
from core.ledger.operations import record_withdrawal
from core.loans.disbursement import PayoutMethod, disburse
from core.loans.errors import GuarantorProblem, IllegalTransition, MakerCheckerViolation
from core.loans.guarantors import answer_request, name_guarantors, requests_for_guarantor
from core.loans.models import LoanApplicationStatus as S
from core.loans.payoff import payoff_quote
from core.loans.repayment import repay
from core.loans.review import (
    application_detail,
    approve,
    edit_application,
    list_loans,
    reject,
    review_queue,
)
from core.loans.service import apply_for_loan, cancel_application, eligibility
from core.loans.statement import loan_ledger_statement, loan_summary, member_loans
from core.money import Money
from tests.integration.core.loans.conftest import DISBURSED_ON, Lending

BORROWER = Actor.system("test")


async def submitted(db: Database, lending: Lending, amount: int = 100_000, *, by_staff: int | None = None) -> int:
    async with db.tenant(lending.org.id) as s:
        loan = await apply_for_loan(s, organization_id=lending.org.id, member_id=lending.borrower.id, amount=amount,
                                    term_months=6, purpose="shop stock", channel="whatsapp",
                                    recorded_by_staff_id=by_staff)
        notices = await name_guarantors(s, lending.org.id, loan.id, [g.id for g in lending.guarantors],
                                        actor=BORROWER)
        assert {n.member_id for n in notices} == {g.id for g in lending.guarantors}
        assert all(n.msgid == "loan.guarantor_request" and n.values["amount"] == Money(50_000, "RWF") for n in notices)
        return loan.id


async def consent(db: Database, lending: Lending, loan_id: int) -> None:
    for g in lending.guarantors:
        async with db.tenant(lending.org.id) as s:
            (request,) = await requests_for_guarantor(s, lending.org.id, g.id, pending_only=True)
            assert request.loan_id == loan_id and request.amount == 50_000
            answered = await answer_request(s, organization_id=lending.org.id, member_id=g.id,
                                            request_id=request.id, accept=True)
            assert answered.status == "accepted"


async def test_eligibility_is_three_times_available_savings(db: Database, lending: Lending) -> None:
    async with db.tenant(lending.org.id) as s:
        rules = await eligibility(s, lending.org.id, lending.borrower.id)
    assert (rules.savings, rules.multiplier, rules.max_amount, rules.guarantors_required) == (40_000, 3, 120_000, 2)
    assert rules.explain() == "You can borrow up to 120,000 RWF: 3 times your savings of 40,000 RWF."


async def test_full_lifecycle_with_holds_schedule_allocation_and_closing(db: Database, lending: Lending) -> None:
    org = lending.org.id
    loan_id = await submitted(db, lending)
    async with db.tenant(org) as s:
        with pytest.raises(IllegalTransition):  # guarantors have not answered yet
            await approve(s, principal=lending.checker, organization_id=org, loan_id=loan_id)
    await consent(db, lending, loan_id)
    g1 = lending.guarantors[0]
    async with db.tenant(org) as s:
        (bal,) = await member_balances(s, org, g1.id)
        assert (bal.balance.amount, bal.held.amount, bal.available.amount) == (60_000, 50_000, 10_000)
    with pytest.raises(InsufficientFunds):  # the guarantee blocks the withdrawal
        async with db.tenant(org) as s:
            await record_withdrawal(s, org, g1.id, lending.group.id, Money(20_000, "RWF"),
                                    idempotency_key="w-blocked", actor=BORROWER)
    async with db.tenant(org) as s:
        queue = await review_queue(s, principal=lending.checker, organization_id=org)
        (item,) = [i for i in queue if i.loan_id == loan_id]
        assert (item.status, item.guarantors_accepted, item.guarantors_required) == (S.UNDER_REVIEW, 2, 2)
        detail = await application_detail(s, principal=lending.checker, organization_id=org, loan_id=loan_id)
        assert len(detail.proposed_schedule) == 6 and detail.proposed_schedule[0].interest == 2_000
        await approve(s, principal=lending.checker, organization_id=org, loan_id=loan_id, note="good saver")
        loan = await disburse(s, principal=lending.checker, organization_id=org, loan_id=loan_id,
                              method=PayoutMethod.MTN, on=DISBURSED_ON)
        assert loan.status == S.ACTIVE and loan.fee_amount == 1_000 and loan.payment_code
        legs = (await s.execute(text(
            "SELECT a.code, p.amount FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id "
            "WHERE p.entry_id = :e ORDER BY a.code"), {"e": loan.disbursement_entry_id})).all()
        assert sorted((c, int(a)) for c, a in legs) == [
            ("clearing:mtn", -99_000), ("income:fees", -1_000), (f"loan:{loan_id}:principal", 100_000)]
        summary = await loan_summary(s, org, loan_id)
    assert [(ln.principal, ln.interest) for ln in summary.schedule][:2] == [(15_853, 2_000), (16_170, 1_683)]
    assert summary.outstanding == 107_116 and summary.next_due_amount == 17_853
    # first instalment exactly; a replay of the same key changes nothing
    async with db.tenant(org) as s:
        first = await repay(s, organization_id=org, loan_id=loan_id, amount=17_853, idempotency_key="r1",
                            actor=BORROWER, on=date(2026, 2, 5))
        again = await repay(s, organization_id=org, loan_id=loan_id, amount=17_853, idempotency_key="r1",
                            actor=BORROWER)
    assert first.allocation.component("interest") == 2_000 and first.allocation.component("principal") == 15_853
    assert again.replayed and again.outstanding_after == first.outstanding_after == 107_116 - 17_853
    # early settlement of everything with 5,000 too much: the extra goes to savings, the loan closes
    async with db.tenant(org) as s:
        last = await repay(s, organization_id=org, loan_id=loan_id, amount=first.outstanding_after + 5_000,
                           idempotency_key="r2", actor=BORROWER, on=date(2026, 8, 1))  # after the last due date
        assert last.closed and last.allocation.overpayment == 5_000
        (mine,) = await member_balances(s, org, lending.borrower.id)
        assert mine.balance.amount == 45_000
        (bal,) = await member_balances(s, org, g1.id)
        assert bal.held.amount == 0  # holds released on closing
        assert await member_loans(s, org, lending.borrower.id) == []
        ledger = await loan_ledger_statement(s, org, loan_id)
        assert [(ln.kind, ln.amount.amount) for ln in ledger.lines] == [
            ("loan_disbursement", 100_000), ("loan_repayment", -15_853), ("loan_repayment", -84_147)]
        assert ledger.closing_balance.amount == 0
        closed = await list_loans(s, principal=lending.checker, organization_id=org, status=S.CLOSED)
        assert [c.id for c in closed] == [loan_id]
        events = (await s.execute(text(
            "SELECT action FROM audit_log WHERE object_type = 'loan_application' AND object_id = :id ORDER BY seq"),
            {"id": str(loan_id)})).scalars().all()
    for action in ("loan.submitted", "loan.under_review", "loan.approved", "loan.disbursed", "loan.active",
                   "loan.closed"):
        assert action in events


async def test_maker_cannot_approve_and_roles_are_checked(db: Database, lending: Lending) -> None:
    org = lending.org.id
    loan_id = await submitted(db, lending, by_staff=lending.maker.staff_user_id)
    await consent(db, lending, loan_id)
    async with db.tenant(org) as s:
        with pytest.raises(MakerCheckerViolation):
            await approve(s, principal=lending.maker, organization_id=org, loan_id=loan_id)
    officer = StaffPrincipal(9_003, StaffRole.LOAN_OFFICER, org)
    async with db.tenant(org) as s:
        with pytest.raises(PermissionDenied):
            await approve(s, principal=officer, organization_id=org, loan_id=loan_id)
        await edit_application(s, principal=officer, organization_id=org, loan_id=loan_id, amount=90_000)
    editor_turned_manager = StaffPrincipal(9_003, StaffRole.MANAGER, org)
    async with db.tenant(org) as s:
        with pytest.raises(MakerCheckerViolation):  # who edited it cannot approve it either
            await approve(s, principal=editor_turned_manager, organization_id=org, loan_id=loan_id)
        loan = await approve(s, principal=lending.checker, organization_id=org, loan_id=loan_id)
        assert loan.status == S.APPROVED and loan.amount == 90_000
        with pytest.raises(IllegalTransition):
            await reject(s, principal=lending.checker, organization_id=org, loan_id=loan_id, reason="late")


async def test_rejection_releases_holds_and_guarantors_need_savings(db: Database, lending: Lending) -> None:
    org = lending.org.id
    loan_id = await submitted(db, lending)
    g1, g2 = lending.guarantors
    async with db.tenant(org) as s:
        await record_withdrawal(s, org, g2.id, lending.group.id, Money(20_000, "RWF"), idempotency_key="w2",
                                actor=BORROWER)
    async with db.tenant(org) as s:
        (r1,) = await requests_for_guarantor(s, org, g1.id, pending_only=True)
        await answer_request(s, organization_id=org, member_id=g1.id, request_id=r1.id, accept=True)
    with pytest.raises(GuarantorProblem):  # 40,000 available does not cover a 50,000 share
        async with db.tenant(org) as s:
            (r2,) = await requests_for_guarantor(s, org, g2.id, pending_only=True)
            await answer_request(s, organization_id=org, member_id=g2.id, request_id=r2.id, accept=True)
    async with db.tenant(org) as s:
        with pytest.raises(Conflict):
            await answer_request(s, organization_id=org, member_id=g1.id, request_id=r1.id, accept=False)
    async with db.tenant(org) as s:
        loan = await reject(s, principal=lending.checker, organization_id=org, loan_id=loan_id,
                            reason="guarantor savings too low")
        assert loan.status == S.REJECTED and loan.decision_note == "guarantor savings too low"
        (bal,) = await member_balances(s, org, g1.id)
        assert bal.held.amount == 0


async def test_the_member_cancels_and_holds_are_freed(db: Database, lending: Lending) -> None:
    org = lending.org.id
    loan_id = await submitted(db, lending)
    g1 = lending.guarantors[0]
    async with db.tenant(org) as s:
        (r1,) = await requests_for_guarantor(s, org, g1.id, pending_only=True)
        await answer_request(s, organization_id=org, member_id=g1.id, request_id=r1.id, accept=True)
    me = Actor.member(lending.borrower.id)
    async with db.tenant(org) as s:
        with pytest.raises(NotFound):  # someone else's application
            await cancel_application(s, organization_id=org, loan_id=loan_id, actor=me, member_id=g1.id)
    async with db.tenant(org) as s:
        loan = await cancel_application(s, organization_id=org, loan_id=loan_id, actor=me,
                                        member_id=lending.borrower.id)
        assert loan.status == S.CANCELLED
        (bal,) = await member_balances(s, org, g1.id)
        assert bal.held.amount == 0
        with pytest.raises(IllegalTransition):
            await cancel_application(s, organization_id=org, loan_id=loan_id, actor=me)


async def test_early_settlement_of_a_declining_loan_waives_interest_of_periods_not_started(
    db: Database, lending: Lending
) -> None:
    org = lending.org.id
    loan_id = await submitted(db, lending)
    await consent(db, lending, loan_id)
    async with db.tenant(org) as s:
        await approve(s, principal=lending.checker, organization_id=org, loan_id=loan_id)
        await disburse(s, principal=lending.checker, organization_id=org, loan_id=loan_id, on=DISBURSED_ON)
        await repay(s, organization_id=org, loan_id=loan_id, amount=17_853, idempotency_key="e1", actor=BORROWER,
                    on=date(2026, 2, 5))
        # 10 Feb: period 2 (5 Feb - 5 Mar) has started, its 1,683 interest is owed; periods 3-6 have not:
        # 1,360 + 1,030 + 693 + 350 = 3,433 waived. Payoff = 84,147 principal + 1,683 = 85,830.
        offer = await payoff_quote(s, org, loan_id, date(2026, 2, 10))
        assert (offer.amount, offer.interest_waived) == (85_830, 3_433)
        done = await repay(s, organization_id=org, loan_id=loan_id, amount=85_830, idempotency_key="e2",
                           actor=BORROWER, on=date(2026, 2, 10))
        assert done.closed and done.allocation.component("interest") == 1_683
        assert done.allocation.overpayment == 0
