"""The exception queue: list, filter, detail; resolve through the ledger with audit rows; undo; bulk; tenancy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from core.audit.models import AuditEvent
from core.audit.service import Actor
from core.db.database import Database
from core.errors import Conflict, InvalidInput, NotFound
from core.ledger.balances import account_balance, member_balances
from core.ledger.chart import SystemAccount, system_account_id
from core.ledger.check import check_ledger
from core.members.models import Group, Member
from core.members.service import add_to_group, create_member
from core.money import Money
from core.organizations.models import Organization
from core.payments.exception_queue import ExceptionFilter, count_by_reason, exception_detail, list_exceptions
from core.payments.exception_resolution import (
    allocate_exception,
    bulk_allocate,
    ignore_exception,
    refund_exception,
    undo_resolution,
)
from core.payments.models import SmsMessage
from core.payments.recon_models import PaymentAllocation
from core.payments.reconcile import reconcile_messages
from tests.support.factories import TEST_ACTOR, make_group, make_member, make_organization, new_phone
from tests.support.momo import code_of, mtn_received, store

STAFF = Actor.staff(4242)


async def _person(db: Database, org: Organization, group: Group | None, first: str, last: str, phone: str) -> Member:
    async with db.tenant(org.id) as s:
        member = await create_member(s, organization_id=org.id, phone=phone, first_name=first, last_name=last,
                                     actor=TEST_ACTOR)
        if group is not None:
            await add_to_group(s, member=member, group=group, actor=TEST_ACTOR)
        return member


async def _savings(db: Database, org_id: int, member_id: int) -> int:
    async with db.tenant(org_id) as s:
        return sum(b.balance.amount for b in await member_balances(s, org_id, member_id))


async def _suspense(db: Database, org_id: int) -> int:
    async with db.tenant(org_id) as s:
        return (await account_balance(s, org_id, await system_account_id(s, org_id, SystemAccount.SUSPENSE))).amount


async def _queue(db: Database) -> tuple[Organization, Group, Member, Member, dict[str, int]]:
    """An organization with three exceptions: no reference (clear suggestion), a typo'd code, an unreadable SMS."""
    org = await make_organization(db)
    group = await make_group(db, org, contribution_amount=2000)
    phone = new_phone()
    alice = await _person(db, org, group, "Alice", "Uwamahoro", phone)
    bob = await make_member(db, org, group)
    code_b = await code_of(db, org.id, bob.id)
    typo = code_b[:2] + str((int(code_b[2]) + 3) % 10) + code_b[3:]
    junk = mtn_received(1)
    await store(
        db, org.id,
        mtn_received(2000, "", name="UWAMAHORO ALICE", phone="*********" + phone[-3:]),
        mtn_received(2000, typo, name="Someone Else", phone="*********000"),
        type(junk)(junk.sender, "Y'ello! Your MoMo account was credited. Thank you", junk.received_at),
    )
    await reconcile_messages(db, org.id)
    page = await list_exceptions(db, org.id)
    return org, group, alice, bob, {item.reason: item.id for item in page.items}


async def test_listing_filtering_counting_and_detail(db: Database) -> None:
    org, group, alice, _, ids = await _queue(db)
    page = await list_exceptions(db, org.id)
    assert page.total == 3 and page.counts == {"no_reference": 1, "bad_check_digit": 1, "unparsed": 1}
    assert await count_by_reason(db, org.id) == page.counts
    only = await list_exceptions(db, org.id, ExceptionFilter(reasons=("bad_check_digit",)))
    assert [i.reason for i in only.items] == ["bad_check_digit"] and only.counts == page.counts
    assert (await list_exceptions(db, org.id, ExceptionFilter(group_id=group.id))).total == 2
    assert (await list_exceptions(db, org.id, ExceptionFilter(older_than=timedelta(hours=1)))).total == 0
    assert (await list_exceptions(db, org.id, ExceptionFilter(newer_than=timedelta(hours=1)))).total == 3
    assert (await list_exceptions(db, org.id, ExceptionFilter(confident=True))).total == 1
    first = await list_exceptions(db, org.id, limit=2)
    rest = await list_exceptions(db, org.id, limit=2, before_id=first.next_before_id)
    assert len(first.items) == 2 and len(rest.items) == 1 and rest.next_before_id is None
    with pytest.raises(InvalidInput):
        ExceptionFilter(reasons=("nonsense",))

    detail = await exception_detail(db, org.id, ids["no_reference"])
    assert detail.sms.body.startswith("You have received") and detail.sms.counterparty_name == "UWAMAHORO ALICE"
    assert detail.summary.in_suspense and detail.summary.amount == Money(2000, "RWF")
    top = detail.suggestions[0]
    assert top.target.member_id == alice.id and top.target.group_id == group.id
    assert {e.kind for e in top.evidence} >= {"phone_tail", "name", "amount"}
    unparsed = await exception_detail(db, org.id, ids["unparsed"])
    assert not unparsed.summary.in_suspense and unparsed.sms.parse_error


async def test_resolve_undo_and_resolve_again_through_the_ledger_with_audit(db: Database) -> None:
    org, group, _, bob, ids = await _queue(db)
    exc_id = ids["bad_check_digit"]
    assert await _suspense(db, org.id) == 4000
    done = await allocate_exception(db, org.id, exc_id, member_id=bob.id, actor=STAFF, note="typo, confirmed by phone")
    assert done.resolution == "allocated" and done.entry_id and done.allocation_id
    assert await _savings(db, org.id, bob.id) == 2000 and await _suspense(db, org.id) == 2000
    with pytest.raises(Conflict):
        await allocate_exception(db, org.id, exc_id, member_id=bob.id, actor=STAFF)

    undone = await undo_resolution(db, org.id, exc_id, actor=STAFF, reason="wrong member")
    assert undone.entry_id is not None
    assert await _savings(db, org.id, bob.id) == 0 and await _suspense(db, org.id) == 4000
    detail = await exception_detail(db, org.id, exc_id)
    assert detail.summary.status == "open" and detail.sms.status == "exception"
    assert [a.reversed_at is not None for a in detail.allocations] == [True]

    again = await allocate_exception(db, org.id, exc_id, member_id=bob.id, group_id=group.id, actor=STAFF)
    assert again.entry_id != done.entry_id
    assert await _savings(db, org.id, bob.id) == 2000
    async with db.tenant(org.id) as s:
        actions = list((await s.execute(
            select(AuditEvent.action).where(AuditEvent.organization_id == org.id, AuditEvent.actor_type == "staff",
                                            AuditEvent.actor_id == "4242").order_by(AuditEvent.seq))).scalars())
        live = (await s.execute(select(PaymentAllocation).where(
            PaymentAllocation.organization_id == org.id, PaymentAllocation.reversed_at.is_(None)))).scalars().all()
        sms_status = (await s.execute(select(SmsMessage.status).where(
            SmsMessage.id == detail.sms.id))).scalar_one()
        report = await check_ledger(s, organization_id=org.id)
    assert actions == ["payments.exception_allocated", "ledger.entry_reversed", "payments.exception_reopened",
                       "payments.exception_allocated"]
    assert len(live) == 1 and sms_status == "allocated"
    assert report.ok, report.problems


async def test_refund_ignore_and_their_guards(db: Database) -> None:
    org, _, _, _, ids = await _queue(db)
    with pytest.raises(Conflict, match="suspense"):
        await ignore_exception(db, org.id, ids["no_reference"], actor=STAFF, reason="not ours")
    with pytest.raises(Conflict, match="nothing to refund"):
        await refund_exception(db, org.id, ids["unparsed"], actor=STAFF, note="?")
    with pytest.raises(InvalidInput):
        await ignore_exception(db, org.id, ids["unparsed"], actor=STAFF, reason="  ")
    ignored = await ignore_exception(db, org.id, ids["unparsed"], actor=STAFF, reason="a promotion")
    assert ignored.entry_id is None
    refunded = await refund_exception(db, org.id, ids["no_reference"], actor=STAFF, note="sent back to payer")
    assert refunded.entry_id and await _suspense(db, org.id) == 2000
    await undo_resolution(db, org.id, ids["no_reference"], actor=STAFF, reason="refund failed")
    assert await _suspense(db, org.id) == 4000
    counts = await count_by_reason(db, org.id, ExceptionFilter(status=None))
    assert counts == {"no_reference": 1, "bad_check_digit": 1, "unparsed": 1}


async def test_an_unparsed_sms_can_be_allocated_with_the_amount_a_person_read(db: Database) -> None:
    org, _, _, bob, ids = await _queue(db)
    with pytest.raises(InvalidInput, match="how much"):
        await allocate_exception(db, org.id, ids["unparsed"], member_id=bob.id, actor=STAFF)
    await allocate_exception(db, org.id, ids["unparsed"], member_id=bob.id, actor=STAFF, amount=Money(1500, "RWF"))
    assert await _savings(db, org.id, bob.id) == 1500


async def test_targets_must_belong_to_the_organization(db: Database) -> None:
    org, group, _, bob, ids = await _queue(db)
    other = await make_organization(db)
    other_group = await make_group(db, other)
    stranger = await make_member(db, other, other_group)
    outsider = await make_member(db, org)  # ours, but in no group
    exc_id = ids["bad_check_digit"]
    with pytest.raises(NotFound):
        await allocate_exception(db, org.id, exc_id, member_id=stranger.id, actor=STAFF)
    with pytest.raises(NotFound):
        await allocate_exception(db, org.id, exc_id, member_id=bob.id, group_id=other_group.id, actor=STAFF)
    with pytest.raises(InvalidInput, match="group"):
        await allocate_exception(db, org.id, exc_id, member_id=outsider.id, actor=STAFF)
    with pytest.raises(InvalidInput):  # no such loan here (or, without a loan allocator, loans unsupported)
        await allocate_exception(db, org.id, exc_id, member_id=bob.id, loan_id=77, actor=STAFF)
    with pytest.raises(NotFound):  # another organization's exception does not exist for it
        await allocate_exception(db, other.id, exc_id, member_id=stranger.id, actor=STAFF)
    with pytest.raises(NotFound):
        await exception_detail(db, other.id, exc_id)
    assert (await list_exceptions(db, other.id)).total == 0
    assert (await exception_detail(db, org.id, exc_id)).summary.status == "open"
    assert group.id


async def test_bulk_allocates_only_clear_top_suggestions(db: Database) -> None:
    org, group, alice, _, ids = await _queue(db)
    outcome = await bulk_allocate(db, org.id, actor=STAFF)
    assert [r.exception_id for r in outcome.allocated] == [ids["no_reference"]]
    assert set(outcome.skipped) == {ids["bad_check_digit"], ids["unparsed"]}
    assert await _savings(db, org.id, alice.id) == 2000
    again = await bulk_allocate(db, org.id, actor=STAFF, exception_ids=[ids["no_reference"]])
    assert again.allocated == () and ids["no_reference"] in again.skipped


async def test_row_level_security_hides_reconciliation_rows_of_other_organizations(db: Database) -> None:
    org, *_ = await _queue(db)
    other = await make_organization(db)
    queries = ("SELECT count(*) FROM payment_exceptions", "SELECT count(*) FROM payment_allocations",
               "SELECT count(*) FROM group_amount_rules")
    async with db.tenant(other.id) as s:
        seen = [(await s.execute(text(q))).scalar_one() for q in queries]
    assert seen == [0, 0, 0]
    async with db.tenant(org.id) as s:
        assert (await s.execute(text(queries[0]))).scalar_one() == 3
        with pytest.raises(Exception, match="row-level security"):
            await s.execute(text(
                "INSERT INTO payment_exceptions (organization_id, sms_message_id, reason) "
                "SELECT :other, id, 'unparsed' FROM sms_messages LIMIT 1"), {"other": other.id})
