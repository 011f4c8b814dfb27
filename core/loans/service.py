"""Loan applications: who may borrow how much (eligibility), applying, and the status a member can ask for.

The minimal rule for now: up to 3 times the member's savings, at least 1,000, for 1 to 24 months. The loans
issue replaces it with products, guarantors and approval; the functions keep their names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.errors import InvalidInput
from core.loans.models import LoanApplication, LoanApplicationStatus
from core.loans.savings import total_savings
from core.organizations.models import Organization

SAVINGS_MULTIPLIER = 3
MIN_AMOUNT = 1_000
MIN_TERM_MONTHS = 1
MAX_TERM_MONTHS = 24
MAX_PURPOSE = 300
OPEN_STATUSES = (LoanApplicationStatus.SUBMITTED, LoanApplicationStatus.APPROVED)


class NotEligible(InvalidInput):
    """The member may not borrow now (no savings, an application already waiting)."""

    code = "not_eligible"


class AmountOutOfRange(InvalidInput):
    code = "amount_out_of_range"


class TermOutOfRange(InvalidInput):
    code = "term_out_of_range"


@dataclass(frozen=True, slots=True)
class Eligibility:
    """How much the member may borrow and why: `max_amount` is `multiplier` x `savings`."""

    savings: int
    multiplier: int
    max_amount: int
    min_amount: int
    min_term: int
    max_term: int
    currency: str
    pending_reference: str | None  # an application already waiting blocks a second one

    @property
    def eligible(self) -> bool:
        return self.pending_reference is None and self.max_amount >= self.min_amount


async def eligibility(session: AsyncSession, organization_id: int, member_id: int) -> Eligibility:
    savings = await total_savings(session, organization_id, member_id)
    org = await session.get(Organization, organization_id)
    pending = await session.execute(
        select(LoanApplication.reference)
        .where(
            LoanApplication.organization_id == organization_id,
            LoanApplication.member_id == member_id,
            LoanApplication.status == LoanApplicationStatus.SUBMITTED,
        )
        .order_by(LoanApplication.id.desc())
        .limit(1)
    )
    return Eligibility(
        savings=savings,
        multiplier=SAVINGS_MULTIPLIER,
        max_amount=max(0, savings * SAVINGS_MULTIPLIER),
        min_amount=MIN_AMOUNT,
        min_term=MIN_TERM_MONTHS,
        max_term=MAX_TERM_MONTHS,
        currency=org.currency if org else "RWF",
        pending_reference=pending.scalar_one_or_none(),
    )


def check_amount(rules: Eligibility, amount: int) -> int:
    """Raises AmountOutOfRange outside [min_amount, max_amount]."""
    if amount < rules.min_amount or amount > rules.max_amount:
        raise AmountOutOfRange(f"amount must be between {rules.min_amount} and {rules.max_amount}")
    return amount


def check_term(months: int) -> int:
    """Raises TermOutOfRange outside 1..24 months."""
    if not MIN_TERM_MONTHS <= months <= MAX_TERM_MONTHS:
        raise TermOutOfRange(f"term must be {MIN_TERM_MONTHS} to {MAX_TERM_MONTHS} months")
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
    now: datetime | None = None,
) -> LoanApplication:
    """Record an application after checking it against eligibility again (savings may have changed).

    Raises NotEligible, AmountOutOfRange, TermOutOfRange or InvalidInput (purpose).
    """
    # One application at a time per member, also when two requests race.
    await session.execute(text("SELECT pg_advisory_xact_lock(7210006, :m)"), {"m": member_id})
    rules = await eligibility(session, organization_id, member_id)
    if rules.pending_reference is not None:
        raise NotEligible(f"application {rules.pending_reference} is still waiting")
    if not rules.eligible:
        raise NotEligible("savings are too low to borrow")
    check_amount(rules, amount)
    check_term(term_months)
    cleaned = check_purpose(purpose)
    year = (now or datetime.now().astimezone()).year
    number = (await session.execute(select(func.nextval("loan_applications_id_seq")))).scalar_one()
    application = LoanApplication(
        id=number,
        organization_id=organization_id,
        reference=f"LN-{year}-{number:06d}",
        member_id=member_id,
        group_id=group_id,
        amount=amount,
        currency=rules.currency,
        term_months=term_months,
        purpose=cleaned,
        status=LoanApplicationStatus.SUBMITTED,
        channel=channel,
        savings_at_application=rules.savings,
    )
    session.add(application)
    await session.flush()
    await record(
        session,
        organization_id=organization_id,
        actor=Actor.member(member_id),
        action="loan.applied",
        object_type="loan_application",
        object_id=application.id,
        details={"reference": application.reference, "amount": amount, "term_months": term_months},
    )
    return application


async def member_applications(
    session: AsyncSession, organization_id: int, member_id: int, *, limit: int = 3
) -> list[LoanApplication]:
    """The member's latest applications, newest first (what "loan status" shows)."""
    rows = await session.execute(
        select(LoanApplication)
        .where(LoanApplication.organization_id == organization_id, LoanApplication.member_id == member_id)
        .order_by(LoanApplication.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())
