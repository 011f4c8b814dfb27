"""The exception queue as the console reads it: filtered lists with counts per reason, and one item in full."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.database import Database
from core.errors import InvalidInput, NotFound
from core.members.models import Member
from core.money import Money
from core.payments.matching_types import ExceptionReason, Suggestion
from core.payments.models import SmsMessage
from core.payments.recon_models import ExceptionStatus, PaymentAllocation, PaymentException

__all__ = [
    "AllocationView",
    "ExceptionDetail",
    "ExceptionFilter",
    "ExceptionPage",
    "ExceptionSummary",
    "SmsView",
    "apply_filter",
    "count_by_reason",
    "exception_detail",
    "list_exceptions",
]

MAX_PAGE = 200
_Q = TypeVar("_Q", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True, slots=True)
class ExceptionFilter:
    """Which exceptions to show. Empty `reasons` means all; ages are measured from when it was queued."""

    status: ExceptionStatus | None = ExceptionStatus.OPEN
    reasons: tuple[str, ...] = ()
    group_id: int | None = None
    older_than: timedelta | None = None
    newer_than: timedelta | None = None
    confident: bool | None = None  # only those whose top suggestion is (or is not) clearly ahead

    def __post_init__(self) -> None:
        unknown = set(self.reasons) - {r.value for r in ExceptionReason}
        if unknown:
            raise InvalidInput(f"unknown exception reason(s): {', '.join(sorted(unknown))}")


@dataclass(frozen=True, slots=True)
class ExceptionSummary:
    """One row of the queue: what came in, from whom, why it waits, and the best guess."""

    id: int
    sms_message_id: int
    reason: str
    detail: str
    status: str
    amount: Money | None
    in_suspense: bool
    payer_name: str | None
    payer_phone: str | None
    reference: str | None
    received_at: datetime
    created_at: datetime
    group_id: int | None
    confident: bool
    top_suggestion: Suggestion | None
    resolution: str | None


@dataclass(frozen=True, slots=True)
class ExceptionPage:
    """A page of the queue, the total matching the filter, and counts per reason (ignoring the reason filter)."""

    items: tuple[ExceptionSummary, ...]
    total: int
    counts: dict[str, int]
    next_before_id: int | None  # pass as `before_id` for the next page; None on the last page


@dataclass(frozen=True, slots=True)
class SmsView:
    """The raw SMS and what the parser read from it."""

    id: int
    source: str
    sender: str
    body: str
    received_at: datetime
    status: str
    parsed: bool
    parse_error: str | None
    provider: str | None
    kind: str
    amount: int | None
    currency: str | None
    transaction_id: str | None
    counterparty_name: str | None
    counterparty_phone: str | None
    reference: str | None
    occurred_at: datetime | None
    duplicate_of_id: int | None
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AllocationView:
    id: int
    member_id: int
    member_name: str
    group_id: int | None
    amount: Money
    method: str
    entry_id: int
    created_at: datetime
    reversed_at: datetime | None
    reversal_entry_id: int | None


@dataclass(frozen=True, slots=True)
class ExceptionDetail:
    """Everything a person needs to decide: the SMS, the suggestions with evidence, the resolution and history."""

    summary: ExceptionSummary
    sms: SmsView
    suggestions: tuple[Suggestion, ...]
    suspense_entry_id: int | None
    resolution_note: str | None
    resolution_entry_id: int | None
    resolved_member_id: int | None
    resolved_group_id: int | None
    resolved_loan_id: int | None
    resolved_by: str | None
    resolved_at: datetime | None
    attempts: int
    allocations: tuple[AllocationView, ...]


def apply_filter(query: _Q, organization_id: int, f: ExceptionFilter, *, reasons: bool = True) -> _Q:
    """Restrict a query on payment_exceptions to the organization and the filter (the reason filter optional)."""
    query = query.where(PaymentException.organization_id == organization_id)
    if f.status is not None:
        query = query.where(PaymentException.status == f.status.value)
    if reasons and f.reasons:
        query = query.where(PaymentException.reason.in_(f.reasons))
    if f.group_id is not None:
        query = query.where(PaymentException.group_id == f.group_id)
    now = datetime.now(UTC)
    if f.older_than is not None:
        query = query.where(PaymentException.created_at < now - f.older_than)
    if f.newer_than is not None:
        query = query.where(PaymentException.created_at >= now - f.newer_than)
    if f.confident is not None:
        query = query.where(PaymentException.confident.is_(f.confident))
    return query


def _summary(exc: PaymentException, sms: SmsMessage) -> ExceptionSummary:
    suggestions = exc.suggestions or []
    return ExceptionSummary(
        id=exc.id,
        sms_message_id=exc.sms_message_id,
        reason=exc.reason,
        detail=exc.detail,
        status=exc.status,
        amount=Money(exc.amount, exc.currency or "RWF") if exc.amount is not None else None,
        in_suspense=exc.suspense_entry_id is not None,
        payer_name=sms.counterparty_name,
        payer_phone=sms.counterparty_phone,
        reference=sms.reference,
        received_at=sms.received_at,
        created_at=exc.created_at,
        group_id=exc.group_id,
        confident=exc.confident,
        top_suggestion=Suggestion.from_json(suggestions[0]) if suggestions else None,
        resolution=exc.resolution,
    )


async def _counts(session: AsyncSession, organization_id: int, f: ExceptionFilter) -> dict[str, int]:
    query = apply_filter(
        select(PaymentException.reason, func.count()).group_by(PaymentException.reason),
        organization_id,
        f,
        reasons=False,
    )
    return {str(reason): int(n) for reason, n in await session.execute(query)}


async def count_by_reason(
    db: Database, organization_id: int, f: ExceptionFilter | None = None
) -> dict[str, int]:
    """How many exceptions per reason match the filter (open ones by default); for the queue's tabs."""
    async with db.tenant(organization_id) as session:
        return await _counts(session, organization_id, f or ExceptionFilter())


async def list_exceptions(
    db: Database,
    organization_id: int,
    f: ExceptionFilter | None = None,
    *,
    limit: int = 50,
    before_id: int | None = None,
) -> ExceptionPage:
    """A page of the organization's exceptions, newest first, with the total and counts per reason.

    Raises InvalidInput for a page size outside 1..200 (or an unknown reason in the filter).
    """
    f = f or ExceptionFilter()
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"a page holds 1 to {MAX_PAGE} exceptions")
    async with db.tenant(organization_id) as session:
        base = apply_filter(
            select(PaymentException, SmsMessage).join(
                SmsMessage, SmsMessage.id == PaymentException.sms_message_id
            ),
            organization_id,
            f,
        )
        page = base if before_id is None else base.where(PaymentException.id < before_id)
        rows = (await session.execute(page.order_by(PaymentException.id.desc()).limit(limit + 1))).all()
        total_query = apply_filter(select(func.count()).select_from(PaymentException), organization_id, f)
        total = int((await session.execute(total_query)).scalar_one())
        counts = await _counts(session, organization_id, f)
    items = tuple(_summary(exc, sms) for exc, sms in rows[:limit])
    return ExceptionPage(items, total, counts, items[-1].id if len(rows) > limit else None)


async def exception_detail(db: Database, organization_id: int, exception_id: int) -> ExceptionDetail:
    """One exception with its raw SMS, parsed fields, ranked suggestions, resolution and allocation history.

    Raises NotFound when there is no such exception in this organization.
    """
    async with db.tenant(organization_id) as session:
        row = (
            await session.execute(
                select(PaymentException, SmsMessage)
                .join(SmsMessage, SmsMessage.id == PaymentException.sms_message_id)
                .where(
                    PaymentException.id == exception_id, PaymentException.organization_id == organization_id
                )
            )
        ).first()
        if row is None:
            raise NotFound(f"exception {exception_id} does not exist here")
        exc, sms = row
        history = await _allocations(session, organization_id, [exc.sms_message_id])
    return ExceptionDetail(
        summary=_summary(exc, sms),
        sms=SmsView(
            sms.id,
            sms.source,
            sms.sender,
            sms.body,
            sms.received_at,
            sms.status,
            sms.parsed,
            sms.parse_error,
            sms.provider,
            sms.kind,
            sms.amount,
            sms.currency,
            sms.transaction_id,
            sms.counterparty_name,
            sms.counterparty_phone,
            sms.reference,
            sms.occurred_at,
            sms.duplicate_of_id,
            dict(sms.details or {}),
        ),
        suggestions=tuple(Suggestion.from_json(s) for s in exc.suggestions or []),
        suspense_entry_id=exc.suspense_entry_id,
        resolution_note=exc.resolution_note,
        resolution_entry_id=exc.resolution_entry_id,
        resolved_member_id=exc.resolved_member_id,
        resolved_group_id=exc.resolved_group_id,
        resolved_loan_id=exc.resolved_loan_id,
        resolved_by=exc.resolved_by,
        resolved_at=exc.resolved_at,
        attempts=exc.attempts,
        allocations=history,
    )


async def _allocations(
    session: AsyncSession, organization_id: int, sms_ids: Sequence[int]
) -> tuple[AllocationView, ...]:
    rows = await session.execute(
        select(PaymentAllocation, Member.first_name, Member.last_name)
        .join(Member, Member.id == PaymentAllocation.member_id)
        .where(
            PaymentAllocation.organization_id == organization_id,
            PaymentAllocation.sms_message_id.in_(sms_ids),
        )
        .order_by(PaymentAllocation.id)
    )
    return tuple(
        AllocationView(
            a.id,
            a.member_id,
            f"{first} {last}".strip(),
            a.group_id,
            Money(a.amount, a.currency),
            a.method,
            a.entry_id,
            a.created_at,
            a.reversed_at,
            a.reversal_entry_id,
        )
        for a, first, last in rows
    )
