"""Guarantors: the borrower names members of their group; each consents in chat; consent holds their savings.

A hold (core.ledger.holds) sets the guaranteed part of the guarantor's savings aside, so a withdrawal cannot take
it; holds are released when the loan closes, is rejected or cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.errors import Conflict, NotFound
from core.ledger.chart import ensure_member_savings_account
from core.ledger.errors import InsufficientFunds
from core.ledger.holds import place_hold, release_hold
from core.loans.errors import GuarantorProblem, IllegalTransition
from core.loans.lifecycle import move
from core.loans.models import GuarantorStatus, LoanApplication, LoanGuarantor
from core.loans.models import LoanApplicationStatus as S
from core.loans.notices import LoanNotice
from core.loans.products import product_terms
from core.members.models import Group, GroupMembership, Member
from core.money import Money


@dataclass(frozen=True, slots=True)
class GuarantorRequest:
    """A request as the guarantor sees it (the mobile API and the chat prompt)."""

    id: int
    loan_id: int
    reference: str
    borrower_name: str
    amount: int
    currency: str
    group_name: str | None
    requested_at: datetime
    status: str


async def guarantors_of(session: AsyncSession, organization_id: int, loan_id: int) -> list[LoanGuarantor]:
    rows = await session.execute(select(LoanGuarantor).where(
        LoanGuarantor.organization_id == organization_id, LoanGuarantor.loan_id == loan_id).order_by(LoanGuarantor.id))
    return list(rows.scalars())


async def guarantors_complete(session: AsyncSession, organization_id: int, loan: LoanApplication) -> bool:
    terms = await product_terms(session, organization_id, loan.product_id, loan.currency)
    accepted = [g for g in await guarantors_of(session, organization_id, loan.id) if g.status == GuarantorStatus.ACCEPTED]
    return len(accepted) >= terms.guarantors_required


async def name_guarantors(
    session: AsyncSession, organization_id: int, loan_id: int, member_ids: list[int], *, actor: Actor
) -> list[LoanNotice]:
    """Ask members of the borrower's group to guarantee the loan; each stands for an equal share of it.

    Returns the request notices for the caller to send (send_notices, with its renderer). Raises GuarantorProblem
    (not in the group, the borrower, named twice), IllegalTransition (the application is past submission).
    """
    loan = (await session.execute(select(LoanApplication).where(
        LoanApplication.id == loan_id, LoanApplication.organization_id == organization_id).with_for_update())
    ).scalar_one_or_none()
    if loan is None:
        raise NotFound(f"loan {loan_id} does not exist here")
    if loan.status != S.SUBMITTED:
        raise IllegalTransition(f"loan {loan.reference} is {loan.status}: guarantors are named before review")
    wanted = list(dict.fromkeys(member_ids))
    if not wanted or loan.member_id in wanted:
        raise GuarantorProblem("name other members of the group as guarantors")
    in_group = set((await session.execute(select(GroupMembership.member_id).where(
        GroupMembership.organization_id == organization_id, GroupMembership.group_id == loan.group_id,
        GroupMembership.member_id.in_(wanted), GroupMembership.left_on.is_(None)))).scalars())
    if missing := [m for m in wanted if m not in in_group]:
        raise GuarantorProblem(f"member {missing[0]} is not in the borrower's group")
    existing = {g.guarantor_member_id: g for g in await guarantors_of(session, organization_id, loan.id)}
    live = [g for g in existing.values() if g.status in (GuarantorStatus.REQUESTED, GuarantorStatus.ACCEPTED)]
    terms = await product_terms(session, organization_id, loan.product_id, loan.currency)
    share = -(-loan.amount // max(terms.guarantors_required, len(live) + len(wanted), 1))
    borrower = await session.get(Member, loan.member_id)
    name = f"{borrower.first_name} {borrower.last_name}" if borrower else ""
    notices = []
    for member_id in wanted:
        if member_id in existing and existing[member_id].status != GuarantorStatus.DECLINED:
            raise GuarantorProblem(f"member {member_id} was already asked")
        row = existing.get(member_id) or LoanGuarantor(organization_id=organization_id, loan_id=loan.id,
                                                       guarantor_member_id=member_id, amount=share)
        row.status, row.amount, row.answered_at = GuarantorStatus.REQUESTED, share, None
        session.add(row)
        await session.flush()
        notices.append(LoanNotice(member_id, "loan.guarantor_request",
                                  {"borrower": name, "amount": Money(share, loan.currency), "reference": loan.reference},
                                  {"dialog": "guarantor", "request_id": str(row.id)}))
    await record(session, organization_id=organization_id, actor=actor, action="loan.guarantors_named",
                 object_type="loan_application", object_id=loan.id, details={"members": wanted, "share": share})
    return notices


async def requests_for_guarantor(
    session: AsyncSession, organization_id: int, member_id: int, *, pending_only: bool = False
) -> list[GuarantorRequest]:
    """The requests addressed to a member, newest first (pending ones only when asked)."""
    query = (
        select(LoanGuarantor, LoanApplication, Member.first_name, Member.last_name, Group.name)
        .join(LoanApplication, LoanApplication.id == LoanGuarantor.loan_id)
        .join(Member, Member.id == LoanApplication.member_id)
        .outerjoin(Group, Group.id == LoanApplication.group_id)
        .where(LoanGuarantor.organization_id == organization_id, LoanGuarantor.guarantor_member_id == member_id)
        .order_by(LoanGuarantor.id.desc())
    )
    if pending_only:
        query = query.where(LoanGuarantor.status == GuarantorStatus.REQUESTED,
                            LoanApplication.status == S.SUBMITTED)
    out = []
    for g, loan, first, last, group in (await session.execute(query)).all():
        status = {"released": "accepted"}.get(g.status, g.status)
        if g.status == GuarantorStatus.REQUESTED and loan.status != S.SUBMITTED:
            status = "cancelled"
        out.append(GuarantorRequest(g.id, loan.id, loan.reference, f"{first} {last}", g.amount, loan.currency, group,
                                    g.created_at, status))
    return out


async def answer_request(
    session: AsyncSession, *, organization_id: int, member_id: int, request_id: int, accept: bool,
    now: datetime | None = None,
) -> GuarantorRequest:
    """The guarantor's yes or no. Yes holds their share of savings; the last yes sends the loan to review.

    Raises NotFound (not addressed to this member), Conflict (already answered, or the application moved on),
    GuarantorProblem (their available savings do not cover the share).
    """
    g = (await session.execute(select(LoanGuarantor).where(
        LoanGuarantor.id == request_id, LoanGuarantor.organization_id == organization_id,
        LoanGuarantor.guarantor_member_id == member_id).with_for_update())).scalar_one_or_none()
    if g is None:
        raise NotFound(f"no guarantor request {request_id}")
    loan = (await session.execute(select(LoanApplication).where(LoanApplication.id == g.loan_id).with_for_update())
            ).scalar_one()
    if g.status != GuarantorStatus.REQUESTED or loan.status != S.SUBMITTED:
        raise Conflict("this request was already answered or the application has moved on")
    actor = Actor.member(member_id)
    if accept:
        if loan.group_id is None:
            raise GuarantorProblem("the loan has no group to guarantee in")
        account = await ensure_member_savings_account(session, organization_id, member_id, loan.group_id)
        try:
            hold = await place_hold(session, organization_id, account, Money(g.amount, loan.currency),
                                    reference=f"loan:{loan.id}:guarantor:{member_id}", actor=actor,
                                    reason=f"guarantee for loan {loan.reference}")
        except InsufficientFunds as exc:
            raise GuarantorProblem("your available savings do not cover this guarantee") from exc
        g.hold_id = hold.id
    g.status = GuarantorStatus.ACCEPTED if accept else GuarantorStatus.DECLINED
    g.answered_at = now or datetime.now(UTC)
    await session.flush()
    await record(session, organization_id=organization_id, actor=actor,
                 action="loan.guarantor_accepted" if accept else "loan.guarantor_declined",
                 object_type="loan_application", object_id=loan.id, details={"request_id": g.id, "amount": g.amount})
    if accept and await guarantors_complete(session, organization_id, loan):
        await move(session, loan, S.UNDER_REVIEW, actor=actor, details={"why": "guarantors consented"})
    return next(r for r in await requests_for_guarantor(session, organization_id, member_id) if r.id == g.id)


async def release_guarantees(session: AsyncSession, organization_id: int, loan_id: int, *, actor: Actor) -> int:
    """Release every hold taken for the loan (closed, rejected, cancelled); returns how many. Safe to repeat."""
    released = 0
    for g in await guarantors_of(session, organization_id, loan_id):
        if g.status == GuarantorStatus.ACCEPTED and g.hold_id is not None:
            await release_hold(session, organization_id, g.hold_id, actor=actor)
            g.status = GuarantorStatus.RELEASED
            released += 1
    await session.flush()
    return released


@dataclass(frozen=True, slots=True)
class Candidate:
    member_id: int
    name: str


async def guarantor_candidates(session: AsyncSession, organization_id: int, loan_id: int, *, limit: int = 9
                               ) -> list[Candidate]:
    """Members of the borrower's group who could be asked (not the borrower, not already asked), by name."""
    loan = await session.get(LoanApplication, loan_id)
    if loan is None or loan.organization_id != organization_id or loan.group_id is None:
        return []
    asked = select(LoanGuarantor.guarantor_member_id).where(
        LoanGuarantor.loan_id == loan_id, LoanGuarantor.status != GuarantorStatus.DECLINED)
    rows = await session.execute(
        select(Member.id, Member.first_name, Member.last_name)
        .join(GroupMembership, GroupMembership.member_id == Member.id)
        .where(GroupMembership.organization_id == organization_id, GroupMembership.group_id == loan.group_id,
               GroupMembership.left_on.is_(None), Member.id != loan.member_id, Member.id.not_in(asked))
        .order_by(Member.first_name, Member.last_name, Member.id).limit(limit))
    return [Candidate(int(i), f"{first} {last}") for i, first, last in rows]
