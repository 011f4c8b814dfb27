"""The whole loan journey: apply on WhatsApp naming two guarantors, each consents in chat (USSD and WhatsApp),
an officer approves and disburses, a MoMo confirmation SMS quoting the loan's payment code is stored (as the
forwarder's ingest stores it, without the HTTP signature step) and reconciled, repaying the loan through the
reconciliation seam; the loan closes and the guarantors' savings are free again."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bot.router import Router
from core.audit.service import Actor
from core.db.database import Database
from core.identity.permissions import StaffPrincipal
from core.identity.roles import StaffRole
from core.ledger.balances import member_balances
from core.loans.disbursement import disburse
from core.loans.models import LoanApplication
from core.loans.products import ProductTerms, create_product
from core.loans.review import approve
from core.loans.schedule import Frequency, InterestMethod
from core.loans.statement import loan_summary
from core.members.models import Member
from core.messaging.identities import record_inbound
from core.messaging.models import OutboxMessage
from core.organizations.models import Organization
from core.payments.reconcile import reconcile_messages
from dialogs.vocabulary import Channel
from tests.support.conversations import Chat, add_savings
from tests.support.factories import make_group, make_member, make_organization
from tests.support.momo import mtn_received, store


@dataclass
class Club:
    org: Organization
    borrower: Member
    guarantors: tuple[Member, Member]


@pytest.fixture
async def club(db: Database) -> Club:
    org = await make_organization(db, name="Umurenge SACCO Kimironko")
    group = await make_group(db, org, name="Dufatanye")
    borrower = await make_member(db, org, group, language="en")
    g1 = await make_member(db, org, group, language="rw")
    g2 = await make_member(db, org, group, language="fr")
    await add_savings(db, org, borrower, group, 20_000, days_ago=60)
    for g in (g1, g2):
        await add_savings(db, org, g, group, 30_000, days_ago=60)
    async with db.tenant(org.id) as s:
        await create_product(s, org.id, ProductTerms(
            None, "biz", "Business", org.currency, InterestMethod.FLAT, 2400, Frequency.MONTHLY, 1, 12, 5_000,
            300_000, 3, guarantors_required=2, upfront_fee_bp=200, penalty_value=500, penalty_grace_days=3,
        ), actor=Actor.system("test"))
    return Club(org, borrower, (g1, g2))


async def test_apply_guarantee_approve_disburse_repay_by_sms_close(router: Router, db: Database, club: Club) -> None:
    org = club.org.id
    g1, g2 = club.guarantors
    async with db.system() as s:  # guarantor 2 wrote on WhatsApp today (as the channel records it): reached there
        await record_inbound(s, channel="whatsapp", address=g2.phone, phone=g2.phone)
    second = Chat(router, g2.phone)
    borrower = Chat(router, club.borrower.phone)
    await borrower.tap("loan_apply")
    assert "60,000" in borrower.text and "20,000" in borrower.text  # 3 x savings, in plain words
    await borrower.say("30000")
    await borrower.say("3 months")
    await borrower.tap("purpose:business")
    await borrower.say("yes")
    assert re.search(r"LN-\d{4}-\d{6}", borrower.text) and "guarantor 1 of 2" in borrower.text
    assert f"guarantor:{g1.id}" in borrower.ids and f"guarantor:{g2.id}" in borrower.ids
    await borrower.tap(f"guarantor:{g1.id}")
    assert "guarantor 2 of 2" in borrower.text and f"guarantor:{g1.id}" not in borrower.ids
    await borrower.tap(f"guarantor:{g2.id}")
    assert "asked 2 member" in borrower.text
    async with db.tenant(org) as s:
        loan = (await s.execute(select(LoanApplication).where(LoanApplication.member_id == club.borrower.id))
                ).scalar_one()
        requests = (await s.execute(select(OutboxMessage).where(OutboxMessage.member_id.in_([g1.id, g2.id]))
                                    .order_by(OutboxMessage.id))).scalars().all()
    assert loan.status == "submitted" and len(requests) == 2
    assert "15,000 RWF" in requests[0].text and loan.reference in requests[0].text  # the amount at stake, in rw
    assert [r.channel for r in requests] == ["sms", "whatsapp"]  # each on their own channel
    await borrower.tap("balance")  # the request shows with the savings while it waits
    assert f"Loan request {loan.reference}: 30,000 RWF, waiting for review" in borrower.text
    assert "Dufatanye: 20,000 RWF" in borrower.text

    first = Chat(router, g1.phone, Channel.USSD)  # guarantor 1 answers on USSD from "loan status"
    await first.start()
    await first.pick("loan_status")
    assert "15,000" in first.text and loan.reference in first.text
    await first.pick(r"^(yego)")
    assert "15,000" in first.text
    # guarantor 2 taps the button on WhatsApp
    await second.tap("loan_guarantor")
    await second.tap("yes")
    async with db.tenant(org) as s:
        (held,) = await member_balances(s, org, g2.id)
        assert held.held.amount == 15_000
        checker = StaffPrincipal(7_001, StaffRole.MANAGER, org)
        await approve(s, principal=checker, organization_id=org, loan_id=loan.id)
        await disburse(s, principal=checker, organization_id=org, loan_id=loan.id)
        summary = await loan_summary(s, org, loan.id)
    # flat: 30,000 x 24 % x 3/12 = 1,800 interest; 10,600 a month
    assert [ln.principal + ln.interest for ln in summary.schedule] == [10_600] * 3
    await borrower.tap("loan_status")
    assert "31,800" in borrower.text and summary.payment_code and summary.payment_code in borrower.text
    await borrower.tap("balance")  # a live loan: what is left and the next instalment
    assert f"Loan {loan.reference}: 31,800 RWF left, next 10,600 RWF by" in borrower.text
    assert "waiting for review" not in borrower.text

    sms = await store(db, org, mtn_received(31_800, summary.payment_code))
    outcome = await reconcile_messages(db, org, [m.id for m in sms if m.id])
    assert outcome.allocated == 1
    async with db.tenant(org) as s:
        closed = await loan_summary(s, org, loan.id)
        (freed,) = await member_balances(s, org, g1.id)
    assert closed.status == "closed" and closed.outstanding == 0 and freed.held.amount == 0
    await borrower.tap("loan_status")
    assert "fully repaid" in borrower.text
