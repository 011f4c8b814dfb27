"""The loan lifecycle: an explicit transition table; every move is checked and audited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.loans.errors import IllegalTransition
from core.loans.models import LoanApplication
from core.loans.models import LoanApplicationStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.CANCELLED}),
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.REJECTED, S.CANCELLED}),
    S.UNDER_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.DISBURSED, S.CANCELLED}),
    S.DISBURSED: frozenset({S.ACTIVE}),
    S.ACTIVE: frozenset({S.CLOSED, S.WRITTEN_OFF}),
    S.REJECTED: frozenset(),
    S.CLOSED: frozenset(),
    S.WRITTEN_OFF: frozenset(),
    S.CANCELLED: frozenset(),
}
OPEN = frozenset({S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED})  # one at a time per member
LIVE = frozenset({S.DISBURSED, S.ACTIVE})  # money is out
REPAYABLE = frozenset({S.ACTIVE, S.WRITTEN_OFF})  # money still comes in (after a write-off: a recovery)
OWED = LIVE | {S.WRITTEN_OFF}  # shown to the member with its payment code (a written-off loan while unpaid)


def can_move(current: str, target: S) -> bool:
    try:
        return target in TRANSITIONS[S(current)]
    except ValueError:
        return False


def check_move(loan: LoanApplication, target: S) -> None:
    """Raises IllegalTransition unless the table allows current -> target."""
    if not can_move(loan.status, target):
        raise IllegalTransition(f"loan {loan.reference} is {loan.status}; it cannot become {target}")


async def move(
    session: AsyncSession,
    loan: LoanApplication,
    target: S,
    *,
    actor: Actor,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Change the loan's status through the table and append the audit event `loan.<target>`.

    Raises IllegalTransition.
    """
    check_move(loan, target)
    previous = loan.status
    loan.status = target
    if target in (S.APPROVED, S.REJECTED):
        loan.decided_at = now or datetime.now(UTC)
    await session.flush()
    await record(
        session,
        organization_id=loan.organization_id,
        actor=actor,
        action=f"loan.{target}",
        object_type="loan_application",
        object_id=loan.id,
        details={"reference": loan.reference, "from": previous, **(details or {})},
    )
