"""Arrears over a simulated calendar: overdue marking, penalties once per late period (idempotent), reminders,
PAR 30; and a loan repaid by a reconciled MoMo SMS carrying the loan's payment code."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from core.audit.service import Actor
from core.db.database import Database
from core.loans.arrears import run_arrears
from core.loans.disbursement import PayoutMethod, disburse
from core.loans.guarantors import answer_request, name_guarantors, requests_for_guarantor
from core.loans.portfolio import portfolio_at_risk
from core.loans.repayment import repay
from core.loans.review import approve
from core.loans.service import apply_for_loan
from core.loans.statement import loan_summary
from core.payments.reconcile import reconcile_messages
from tests.integration.core.loans.conftest import DISBURSED_ON, Lending
from tests.support.momo import mtn_received, store

TEST = Actor.system("test")


async def active_loan(db: Database, lending: Lending, amount: int = 60_000) -> int:
    org = lending.org.id
    async with db.tenant(org) as s:
        loan = await apply_for_loan(s, organization_id=org, member_id=lending.borrower.id, amount=amount,
                                    term_months=3, purpose="goats")
        await name_guarantors(s, org, loan.id, [g.id for g in lending.guarantors], actor=TEST)
        loan_id = loan.id
    for g in lending.guarantors:
        async with db.tenant(org) as s:
            (r,) = await requests_for_guarantor(s, org, g.id, pending_only=True)
            await answer_request(s, organization_id=org, member_id=g.id, request_id=r.id, accept=True)
    async with db.tenant(org) as s:
        await approve(s, principal=lending.checker, organization_id=org, loan_id=loan_id)
        await disburse(s, principal=lending.checker, organization_id=org, loan_id=loan_id, method=PayoutMethod.CASH,
                       on=DISBURSED_ON)
    return loan_id


async def penalty_entries(db: Database, org: int, loan_id: int) -> list[str]:
    async with db.tenant(org) as s:
        rows = await s.execute(text("SELECT idempotency_key FROM ledger_entries WHERE kind = 'penalty' "
                                    "AND idempotency_key LIKE :k ORDER BY id"), {"k": f"loan:{loan_id}:%"})
        return list(rows.scalars())


async def test_a_simulated_calendar_of_arrears(db: Database, lending: Lending) -> None:
    org = lending.org.id
    loan_id = await active_loan(db, lending)
    async with db.tenant(org) as s:
        first = (await loan_summary(s, org, loan_id)).schedule[0]
    assert first.due_on == date(2026, 2, 5) and first.principal + first.interest == 20_805
    reminders: dict[date, list[str]] = {}
    day = DISBURSED_ON
    while day <= date(2026, 3, 12):  # the member pays nothing for two months
        async with db.tenant(org) as s:
            outcome = await run_arrears(s, org, day)
        reminders[day] = [n.msgid for n in outcome.notices]
        day += timedelta(days=1)
    assert reminders[date(2026, 2, 2)] == ["loan.reminder_due"]  # three days before
    assert reminders[date(2026, 2, 5)] == ["loan.reminder_due"]  # on the day
    assert reminders[date(2026, 2, 6)] == ["loan.reminder_late"]
    assert reminders[date(2026, 2, 13)] == ["loan.reminder_late"]  # weekly while late
    assert reminders[date(2026, 2, 7)] == []
    # Penalties: 5 % of the 20,805 overdue = 1,040 once grace (3 days) has passed on 9 Feb; again a period
    # (30 days) later on 11 Mar; instalment 2 (due 5 Mar) is first charged on 9 Mar.
    keys = await penalty_entries(db, org, loan_id)
    assert keys == [f"loan:{loan_id}:penalty:1:1", f"loan:{loan_id}:penalty:2:1", f"loan:{loan_id}:penalty:1:2"]
    async with db.tenant(org) as s:
        again = await run_arrears(s, org, date(2026, 3, 12))  # the same day twice: nothing new
        summary = await loan_summary(s, org, loan_id)
        par = await portfolio_at_risk(s, org, date(2026, 3, 12))
    assert again.penalties == 0 and again.notices == []
    assert summary.penalty_outstanding == 1_040 * 2 + 1_040
    assert [ln.overdue for ln in summary.schedule] == [True, True, False]
    org_par, group_par = par
    assert org_par.group_id is None and group_par.group_id == lending.group.id
    assert org_par.outstanding_principal == 60_000 == org_par.at_risk_principal and org_par.ratio == 1.0
    # paying it all off in default order clears penalties first, then interest and principal: closed
    async with db.tenant(org) as s:
        result = await repay(s, organization_id=org, loan_id=loan_id, amount=summary.outstanding,
                             idempotency_key="payoff", actor=TEST, on=date(2026, 3, 12))
        assert result.closed and result.allocation.component("penalty") == 3_120
        assert (await portfolio_at_risk(s, org, date(2026, 3, 12)))[0].outstanding_principal == 0


async def test_a_reconciled_sms_with_the_loan_code_repays_the_loan(db: Database, lending: Lending) -> None:
    org = lending.org.id
    loan_id = await active_loan(db, lending, amount=30_000)
    async with db.tenant(org) as s:
        summary = await loan_summary(s, org, loan_id)
    assert summary.payment_code
    stored = await store(db, org, mtn_received(10_000, summary.payment_code))
    outcome = await reconcile_messages(db, org, [m.id for m in stored if m.id])
    assert outcome.allocated == 1
    async with db.tenant(org) as s:
        after = await loan_summary(s, org, loan_id)
        receipts = await s.execute(text(
            "SELECT b.balance FROM ledger_balances b JOIN ledger_accounts a ON a.id = b.account_id "
            "WHERE a.code = :c"), {"c": f"loan:{loan_id}:receipts"})
    assert after.outstanding == summary.outstanding - 10_000
    assert after.schedule[0].paid == 10_000 and int(receipts.scalar_one()) == 0
    rest = await store(db, org, mtn_received(after.outstanding, summary.payment_code))
    await reconcile_messages(db, org, [m.id for m in rest if m.id])
    async with db.tenant(org) as s:
        closed = await loan_summary(s, org, loan_id)
    assert closed.status == "closed" and closed.outstanding == 0


async def test_money_for_a_closed_loan_waits_for_a_person(db: Database, lending: Lending) -> None:
    org = lending.org.id
    loan_id = await active_loan(db, lending, amount=30_000)
    async with db.tenant(org) as s:
        summary = await loan_summary(s, org, loan_id)
        await repay(s, organization_id=org, loan_id=loan_id, amount=summary.outstanding, idempotency_key="all",
                    actor=TEST)
    assert summary.payment_code
    late = await store(db, org, mtn_received(5_000, summary.payment_code))
    outcome = await reconcile_messages(db, org, [m.id for m in late if m.id])
    assert outcome.allocated == 0 and outcome.reasons == {"target_refused": 1}
