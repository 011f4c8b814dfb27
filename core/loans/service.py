"""Loan applications: who may borrow how much (eligibility, from the product), applying, and the member's loans.

Eligibility reads savings through the ledger's public API (member_balances): the multiple applies to what is
available, so savings already held for someone else's loan do not count twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import exists, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.errors import InvalidInput, NotFound
from core.ledger.balances import member_balances
from core.loans.errors import AmountOutOfRange, NotEligible, TermOutOfRange
from core.loans.guarantors import release_guarantees
from core.loans.lifecycle import OPEN, move
from core.loans.models import LoanApplication, LoanApplicationStatus, LoanInstalment
from core.loans.products import product_terms
from core.loans.schedule import add_months
from core.members.models import GroupMembership
from core.organizations.models import Organization

__all__ = [
    "AmountOutOfRange", "Eligibility", "NotEligible", "TermOutOfRange", "apply_for_loan", "cancel_application",
    "check_amount",
    "check_purpose", "check_term", "eligibility", "member_applications",
]
MAX_PURPOSE = 300


@dataclass(frozen=True, slots=True)
class Eligibility:
    """How much the member may borrow and why: `max_amount` is `multiplier` x `savings`, capped by the product."""

    savings: int
    multiplier: int
    max_amount: int
    min_amount: int
    min_term: int
    max_term: int
    currency: str
    pending_reference: str | None  # an application already waiting blocks a second one
    product_id: int | None = None
    product_cap: int | None = None  # set when the product's maximum, not savings, limits the amount
    months_member: int = 0
    min_membership_months: int = 0
    guarantors_required: int = 0
    written_off_reference: str | None = None  # a loan written off and still owed: no new loan until repaid

    @property
    def too_new(self) -> bool:
        return self.months_member < self.min_membership_months

    @property
    def eligible(self) -> bool:
        return (self.pending_reference is None and self.written_off_reference is None and not self.too_new
                and self.max_amount >= self.min_amount)  # fmt: skip

    def explain(self) -> str:
        """The rule in plain English for staff screens (members get the catalogue's words)."""
        if self.written_off_reference:
            return f"Loan {self.written_off_reference} was written off and is still owed: no new loan until it is repaid."
        if self.too_new:
            return f"Members may borrow after {self.min_membership_months} months; this member has {self.months_member}."
        text_ = (f"You can borrow up to {self.max_amount:,} {self.currency}: {self.multiplier} times your savings of "
                 f"{self.savings:,} {self.currency}")
        return text_ + (f" (the product lends at most {self.product_cap:,})" if self.product_cap else "") + "."


def _months_between(start: date, today: date) -> int:
    months = (today.year - start.year) * 12 + today.month - start.month
    return months - (1 if add_months(start, months) > today else 0)


async def eligibility(
    session: AsyncSession, organization_id: int, member_id: int, *, product_id: int | None = None,
    today: date | None = None,
) -> Eligibility:
    """The member's borrowing limit under the product (the organization's first product when none is named)."""
    org = await session.get(Organization, organization_id)
    currency = org.currency if org else "RWF"
    terms = await product_terms(session, organization_id, product_id, currency)
    savings = sum(b.available.amount for b in await member_balances(session, organization_id, member_id))
    joined = (await session.execute(
        select(func.min(GroupMembership.joined_on)).where(
            GroupMembership.organization_id == organization_id, GroupMembership.member_id == member_id,
            GroupMembership.left_on.is_(None))
    )).scalar_one_or_none()
    months = _months_between(joined, today or date.today()) if joined else 0
    pending = (await session.execute(
        select(LoanApplication.reference)
        .where(LoanApplication.organization_id == organization_id, LoanApplication.member_id == member_id,
               LoanApplication.status.in_([str(s) for s in OPEN]))
        .order_by(LoanApplication.id.desc()).limit(1)
    )).scalar_one_or_none()
    unpaid = exists().where(LoanInstalment.loan_id == LoanApplication.id, LoanInstalment.paid_on.is_(None))
    written_off = (await session.execute(
        select(LoanApplication.reference)
        .where(LoanApplication.organization_id == organization_id, LoanApplication.member_id == member_id,
               LoanApplication.status == LoanApplicationStatus.WRITTEN_OFF, unpaid)
        .order_by(LoanApplication.id.desc()).limit(1)
    )).scalar_one_or_none()
    by_savings = max(0, savings * terms.savings_multiplier)
    return Eligibility(
        savings=savings, multiplier=terms.savings_multiplier, max_amount=min(by_savings, terms.max_amount),
        min_amount=terms.min_amount, min_term=terms.min_term_months, max_term=terms.max_term_months,
        currency=currency, pending_reference=pending, product_id=terms.id,
        product_cap=terms.max_amount if terms.max_amount < by_savings else None, months_member=months,
        min_membership_months=terms.min_membership_months, guarantors_required=terms.guarantors_required,
        written_off_reference=written_off,
    )


def check_amount(rules: Eligibility, amount: int) -> int:
    """Raises AmountOutOfRange outside [min_amount, max_amount]."""
    if amount < rules.min_amount or amount > rules.max_amount:
        raise AmountOutOfRange(f"amount must be between {rules.min_amount} and {rules.max_amount}")
    return amount


def check_term(months: int, rules: Eligibility | None = None) -> int:
    """Raises TermOutOfRange outside the product's term range (1..24 months by default)."""
    low, high = (rules.min_term, rules.max_term) if rules else (1, 24)
    if not low <= months <= high:
        raise TermOutOfRange(f"term must be {low} to {high} months")
    return months


def check_purpose(purpose: str) -> str:
    cleaned = " ".join(purpose.split())[:MAX_PURPOSE]
    if sum(ch.isalpha() for ch in cleaned) < 2:
        raise InvalidInput("say in a few words what the loan is for")
    return cleaned


async def apply_for_loan(
    session: AsyncSession,
    *,
    organization_id: int,
    member_id: int,
    amount: int,
    term_months: int,
    purpose: str,
    channel: str | None = None,
    group_id: int | None = None,
    product_id: int | None = None,
    recorded_by_staff_id: int | None = None,
    now: datetime | None = None,
) -> LoanApplication:
    """Record a submitted application after checking eligibility again (savings may have changed).

    `recorded_by_staff_id`: an officer keying it in for the member (that officer may not approve it).
    Raises NotEligible, AmountOutOfRange, TermOutOfRange or InvalidInput (purpose).
    """
    await session.execute(text("SELECT pg_advisory_xact_lock(7210006, :m)"), {"m": member_id})
    at = now or datetime.now(UTC)
    rules = await eligibility(session, organization_id, member_id, product_id=product_id, today=at.date())
    if rules.pending_reference is not None:
        raise NotEligible(f"application {rules.pending_reference} is still waiting")
    if rules.written_off_reference is not None:
        raise NotEligible(f"loan {rules.written_off_reference} was written off and is still owed")
    if not rules.eligible:
        raise NotEligible("too new a member" if rules.too_new else "savings are too low to borrow")
    check_amount(rules, amount)
    check_term(term_months, rules)
    cleaned = check_purpose(purpose)
    if group_id is None:
        group_id = (await session.execute(
            select(GroupMembership.group_id).where(
                GroupMembership.organization_id == organization_id, GroupMembership.member_id == member_id,
                GroupMembership.left_on.is_(None)).order_by(GroupMembership.id).limit(1)
        )).scalar_one_or_none()
    number = (await session.execute(select(func.nextval("loan_applications_id_seq")))).scalar_one()
    application = LoanApplication(
        id=number, organization_id=organization_id, reference=f"LN-{at.year}-{number:06d}", member_id=member_id,
        group_id=group_id, amount=amount, currency=rules.currency, term_months=term_months, purpose=cleaned,
        status=LoanApplicationStatus.SUBMITTED, channel=channel, savings_at_application=rules.savings,
        product_id=rules.product_id, recorded_by_staff_id=recorded_by_staff_id, fee_amount=0,
    )
    session.add(application)
    await session.flush()
    await record(
        session, organization_id=organization_id,
        actor=Actor.staff(recorded_by_staff_id) if recorded_by_staff_id else Actor.member(member_id),
        action="loan.submitted", object_type="loan_application", object_id=application.id,
        details={"reference": application.reference, "amount": amount, "term_months": term_months},
    )
    return application


async def member_applications(
    session: AsyncSession, organization_id: int, member_id: int, *, limit: int = 3
) -> list[LoanApplication]:
    """The member's latest applications and loans, newest first (what "loan status" shows)."""
    rows = await session.execute(
        select(LoanApplication)
        .where(LoanApplication.organization_id == organization_id, LoanApplication.member_id == member_id)
        .order_by(LoanApplication.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def cancel_application(
    session: AsyncSession, *, organization_id: int, loan_id: int, actor: Actor, member_id: int | None = None
) -> LoanApplication:
    """Withdraw an application before it is paid out (the member, or staff for them); frees guarantor holds.

    `member_id`: the caller is that member, who may cancel only their own. Raises NotFound, IllegalTransition.
    """
    loan = (await session.execute(select(LoanApplication).where(
        LoanApplication.id == loan_id, LoanApplication.organization_id == organization_id).with_for_update())
    ).scalar_one_or_none()
    if loan is None or (member_id is not None and loan.member_id != member_id):
        raise NotFound(f"loan {loan_id} does not exist here")
    await move(session, loan, LoanApplicationStatus.CANCELLED, actor=actor)
    await release_guarantees(session, organization_id, loan.id, actor=actor)
    return loan
