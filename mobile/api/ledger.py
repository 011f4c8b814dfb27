"""The member's money read from core.ledger: balances per group, and transactions a page at a time.

Paging: core.ledger.statements.member_recent_transactions returns the newest N (N <= 500) without a
cursor, so pages are cut from that window here by the keyset (effective_at, posting id). PENDING on the
ledger: a keyset read `member_transactions(session, org, member, *, limit, before=(at, posting_id))`;
until it lands, history reaches back 500 postings.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.ledger.balances import member_balances
from core.ledger.statements import MAX_PAGE, MemberTransaction, member_recent_transactions
from mobile.api.schemas.money import Balances, GroupBalance, Transaction, TransactionPage

LOAN_PURPOSES = ("loan_principal",)


def encode_cursor(at: datetime, posting_id: int) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{posting_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Raises InvalidInput (422) for anything we did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at_text, _, pid = raw.rpartition("|")
        at = datetime.fromisoformat(at_text)
        if at.tzinfo is None or not pid.isdigit():
            raise ValueError(raw)
        return at, int(pid)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("that cursor is not one we gave out; start again without it") from None


async def balances(session: AsyncSession, organization_id: int, member_id: int, currency: str) -> Balances:
    rows = await member_balances(session, organization_id, member_id)
    groups = [
        GroupBalance(
            group_id=r.group_id,
            group_code=r.group_code,
            group_name=r.group_name,
            savings=r.balance.amount,
            held=r.held.amount,
            available=r.available.amount,
            loan_outstanding=0,  # PENDING on core.loans: outstanding principal per loan
        )
        for r in rows
    ]
    return Balances(
        currency=rows[0].balance.currency if rows else currency,
        total_savings=sum(g.savings for g in groups),
        total_available=sum(g.available for g in groups),
        total_loan_outstanding=sum(g.loan_outstanding for g in groups),
        groups=groups,
        as_of=datetime.now(UTC),
    )


def _line(tx: MemberTransaction, names: dict[int, str]) -> Transaction:
    amount = tx.amount.amount
    return Transaction(
        id=str(tx.posting_id),
        kind=tx.kind,
        direction="in" if amount >= 0 else "out",
        amount=abs(amount),
        currency=tx.amount.currency,
        effective_at=tx.effective_at,
        group_id=tx.group_id,
        group_name=(names.get(tx.group_id) or tx.group_code) if tx.group_id is not None else None,
        memo=tx.memo,
    )


async def transactions(
    session: AsyncSession,
    organization_id: int,
    member_id: int,
    *,
    limit: int,
    cursor: str | None,
    group_names: dict[int, str],
) -> TransactionPage:
    """Newest first; `cursor` (from the previous page) continues with older lines."""
    before = decode_cursor(cursor) if cursor else None
    window = await member_recent_transactions(session, organization_id, member_id, limit=MAX_PAGE)
    if before is not None:
        window = [t for t in window if (t.effective_at, t.posting_id) < before]
    page = window[:limit]
    more = len(window) > limit
    next_cursor = encode_cursor(page[-1].effective_at, page[-1].posting_id) if more and page else None
    return TransactionPage(items=[_line(t, group_names) for t in page], next_cursor=next_cursor)
