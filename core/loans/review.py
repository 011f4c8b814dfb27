"""Staff review of applications: the queue, one application in detail, edits, approval and rejection.

Maker-checker: the officer who recorded or edited an application may not approve it (MakerCheckerViolation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record
from core.errors import InvalidInput, NotFound
from core.identity.permissions import Permission, StaffPrincipal, requires
from core.loans.errors import IllegalTransition, MakerCheckerViolation
from core.loans.guarantors import guarantors_complete, guarantors_of, release_guarantees
from core.loans.lifecycle import check_move, move
from core.loans.models import LoanApplication, LoanGuarantor
from core.loans.models import LoanApplicationStatus as S
from core.loans.products import ProductTerms, product_terms
from core.loans.schedule import Instalment, build_schedule, instalment_count
from core.members.models import Member


@dataclass(frozen=True, slots=True)
class ReviewItem:
    loan_id: int
    reference: str
    member_id: int
    member_name: str
    amount: int
    currency: str
    term_months: int
    status: str
    guarantors_accepted: int
    guarantors_required: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApplicationDetail:
    loan: LoanApplication
    member_name: str
    terms: ProductTerms
    guarantors: tuple[LoanGuarantor, ...]
    proposed_schedule: tuple[Instalment, ...]  # what the schedule would be if disbursed today


async def get_loan(session: AsyncSession, organization_id: int, loan_id: int, *, lock: bool = False) -> LoanApplication:
    """The loan row of this organization (FOR UPDATE when `lock`); raises NotFound."""
    query = select(LoanApplication).where(LoanApplication.id == loan_id,
                                          LoanApplication.organization_id == organization_id)
    row = (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"loan {loan_id} does not exist here")
    return row


@requires(Permission.LOANS_VIEW)
async def review_queue(
    session: AsyncSession, *, principal: StaffPrincipal, organization_id: int, limit: int = 100
) -> list[ReviewItem]:
    """Applications waiting for a decision or for disbursement (submitted, under review, approved), oldest first."""
    rows = (await session.execute(
        select(LoanApplication, Member.first_name, Member.last_name)
        .join(Member, Member.id == LoanApplication.member_id)
        .where(LoanApplication.organization_id == organization_id,
               LoanApplication.status.in_([S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED]))
        .order_by(LoanApplication.id).limit(limit)
    )).all()
    out = []
    for loan, first, last in rows:
        terms = await product_terms(session, organization_id, loan.product_id, loan.currency)
        accepted = sum(g.status == "accepted" for g in await guarantors_of(session, organization_id, loan.id))
        out.append(ReviewItem(loan.id, loan.reference, loan.member_id, f"{first} {last}", loan.amount, loan.currency,
                              loan.term_months, loan.status, accepted, terms.guarantors_required, loan.created_at))
    return out


@requires(Permission.LOANS_VIEW)
async def list_loans(
    session: AsyncSession, *, principal: StaffPrincipal, organization_id: int, status: str | None = None,
    member_id: int | None = None, limit: int = 100, before_id: int | None = None,
) -> list[LoanApplication]:
    """Applications and loans, newest first, by status and/or member; page with `before_id` (the last id seen)."""
    query = select(LoanApplication).where(LoanApplication.organization_id == organization_id)
    if status is not None:
        query = query.where(LoanApplication.status == status)
    if member_id is not None:
        query = query.where(LoanApplication.member_id == member_id)
    if before_id is not None:
        query = query.where(LoanApplication.id < before_id)
    return list((await session.execute(query.order_by(LoanApplication.id.desc()).limit(limit))).scalars())


@requires(Permission.LOANS_VIEW)
async def application_detail(
    session: AsyncSession, *, principal: StaffPrincipal, organization_id: int, loan_id: int
) -> ApplicationDetail:
    """Everything an officer needs to decide: the application, the product, guarantors, the schedule it implies."""
    loan = await get_loan(session, organization_id, loan_id)
    member = await session.get(Member, loan.member_id)
    terms = await product_terms(session, organization_id, loan.product_id, loan.currency)
    start = (loan.disbursed_on or datetime.now().date())
    schedule = build_schedule(loan.amount, annual_rate_bp=terms.annual_rate_bp,
                              count=instalment_count(loan.term_months, terms.frequency), method=terms.interest_method,
                              frequency=terms.frequency, start=start)
    guarantors = tuple(await guarantors_of(session, organization_id, loan_id))
    name = f"{member.first_name} {member.last_name}" if member else ""
    return ApplicationDetail(loan, name, terms, guarantors, schedule)


@requires(Permission.LOANS_RECOMMEND)
async def edit_application(
    session: AsyncSession, *, principal: StaffPrincipal, organization_id: int, loan_id: int,
    amount: int | None = None, term_months: int | None = None,
) -> LoanApplication:
    """Change amount or term before a decision; the editor becomes a maker (may not approve).

    Raises IllegalTransition (already decided), InvalidInput (amount not positive, term outside the product's).
    """
    loan = await get_loan(session, organization_id, loan_id, lock=True)
    if loan.status not in (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW):
        raise IllegalTransition(f"loan {loan.reference} is {loan.status}: it can no longer be edited")
    if amount is not None:
        if amount <= 0:
            raise InvalidInput("the amount must be positive")
        loan.amount = amount
    if term_months is not None:
        terms = await product_terms(session, organization_id, loan.product_id, loan.currency)
        if not terms.min_term_months <= term_months <= terms.max_term_months:
            raise InvalidInput(f"the term must be {terms.min_term_months} to {terms.max_term_months} months")
        loan.term_months = term_months
    loan.edited_by_staff_id = principal.staff_user_id
    await _audit_edit(session, loan, principal, "loan.edited", {"amount": loan.amount, "term": loan.term_months})
    return loan


async def _audit_edit(
    session: AsyncSession, loan: LoanApplication, principal: StaffPrincipal, action: str, details: dict[str, object]
) -> None:
    await session.flush()
    await record(session, organization_id=loan.organization_id, actor=principal.actor, action=action,
                 object_type="loan_application", object_id=loan.id, details={"reference": loan.reference, **details})


def _check_checker(loan: LoanApplication, principal: StaffPrincipal) -> None:
    if principal.staff_user_id in (loan.recorded_by_staff_id, loan.edited_by_staff_id):
        raise MakerCheckerViolation("you recorded or edited this application; another officer must approve it")


@requires(Permission.LOANS_APPROVE)
async def approve(
    session: AsyncSession, *, principal: StaffPrincipal, organization_id: int, loan_id: int, note: str = ""
) -> LoanApplication:
    """Approve an application whose guarantors have all consented.

    Raises MakerCheckerViolation (the approver recorded or edited it), IllegalTransition (wrong state, or guarantors
    still missing), PermissionDenied (role).
    """
    loan = await get_loan(session, organization_id, loan_id, lock=True)
    _check_checker(loan, principal)
    if loan.status == S.SUBMITTED:
        if not await guarantors_complete(session, organization_id, loan):
            raise IllegalTransition(f"loan {loan.reference} still waits for its guarantors")
        await move(session, loan, S.UNDER_REVIEW, actor=principal.actor)
    check_move(loan, S.APPROVED)
    loan.decided_by_staff_id = principal.staff_user_id
    loan.decision_note = note or None
    await move(session, loan, S.APPROVED, actor=principal.actor, details={"note": note})
    return loan


@requires(Permission.LOANS_APPROVE)
async def reject(
    session: AsyncSession, *, principal: StaffPrincipal, organization_id: int, loan_id: int, reason: str
) -> LoanApplication:
    """Reject with a reason the member will see; releases any guarantor holds. Raises InvalidInput, IllegalTransition."""
    if not reason.strip():
        raise InvalidInput("say why the application is rejected")
    loan = await get_loan(session, organization_id, loan_id, lock=True)
    _check_checker(loan, principal)
    loan.decided_by_staff_id = principal.staff_user_id
    loan.decision_note = reason.strip()
    await move(session, loan, S.REJECTED, actor=principal.actor, details={"reason": reason.strip()})
    await release_guarantees(session, organization_id, loan.id, actor=principal.actor)
    return loan
