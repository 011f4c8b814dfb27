"""Statements of an account (keyset-paged, with running balances) and a member's latest transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.ledger.errors import UnknownAccount
from core.ledger.models import LedgerAccount, LedgerEntry, LedgerPosting
from core.money import Money

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One posting seen by the account holder: `amount` positive when their balance grew."""

    posting_id: int
    entry_id: int
    kind: str
    memo: str
    effective_at: datetime
    amount: Money
    running_balance: Money
    reverses_entry_id: int | None


@dataclass(frozen=True, slots=True)
class Statement:
    account_id: int
    currency: str
    opening_balance: Money  # the balance just before the first line of this page
    lines: tuple[StatementLine, ...]
    next_cursor: str | None  # pass as after_cursor for the next page; None on the last page

    @property
    def closing_balance(self) -> Money:
        return self.lines[-1].running_balance if self.lines else self.opening_balance


def encode_cursor(effective_at: datetime, posting_id: int) -> str:
    return f"{effective_at.isoformat()}~{posting_id}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        at, _, pid = cursor.rpartition("~")
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed, int(pid)
    except ValueError:
        raise InvalidInput("that statement cursor is not one we gave out") from None


async def statement(
    session: AsyncSession,
    organization_id: int,
    account_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 50,
    after_cursor: str | None = None,
) -> Statement:
    """Postings on the account with effective time in [start, end), oldest first, `limit` per page.

    Running balances count every earlier posting, also those before `start`. Raises UnknownAccount,
    InvalidInput (a bad limit or cursor).
    """
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"a statement page holds 1..{MAX_PAGE} lines")
    account = (
        await session.execute(
            select(LedgerAccount.currency, LedgerAccount.normal_side).where(
                LedgerAccount.id == account_id, LedgerAccount.organization_id == organization_id
            )
        )
    ).first()
    if account is None:
        raise UnknownAccount(f"account {account_id} does not exist in this organization")
    currency, side = account
    sign = 1 if side == "debit" else -1
    P, E = LedgerPosting, LedgerEntry
    here = (P.account_id == account_id, P.organization_id == organization_id)
    position = None if after_cursor is None else tuple_(*decode_cursor(after_cursor))
    query = (
        select(P.id, P.entry_id, E.kind, E.memo, P.effective_at, P.amount, E.reverses_entry_id)
        .join(E, E.id == P.entry_id)
        .where(*here)
        .order_by(P.effective_at, P.id)
        .limit(limit + 1)
    )
    before = None
    if position is not None:
        before = tuple_(P.effective_at, P.id) <= position
        query = query.where(tuple_(P.effective_at, P.id) > position)
    elif start is not None:
        before = P.effective_at < start
    opening = 0
    if before is not None:
        total = select(func.coalesce(func.sum(P.amount), 0)).where(*here, before)
        opening = int((await session.execute(total)).scalar_one())
    if start is not None:
        query = query.where(P.effective_at >= start)
    if end is not None:
        query = query.where(P.effective_at < end)
    rows = (await session.execute(query)).all()
    running = sign * opening
    lines = []
    for pid_, entry_id, kind, memo, effective_at, amount, reverses in rows[:limit]:
        running += sign * amount
        lines.append(
            StatementLine(pid_, entry_id, kind, memo, effective_at, Money(sign * amount, currency),
                          Money(running, currency), reverses)
        )
    cursor = encode_cursor(lines[-1].effective_at, lines[-1].posting_id) if len(rows) > limit else None
    return Statement(account_id, currency, Money(sign * opening, currency), tuple(lines), cursor)


@dataclass(frozen=True, slots=True)
class MemberTransaction:
    entry_id: int
    posting_id: int
    kind: str
    memo: str
    effective_at: datetime
    amount: Money  # from the member's side: a contribution is positive, a withdrawal negative
    account_id: int
    purpose: str
    group_id: int | None
    group_code: str | None


_RECENT = text(
    """
    SELECT p.entry_id, p.id, e.kind, e.memo, p.effective_at,
           p.amount * CASE a.normal_side WHEN 'debit' THEN 1 ELSE -1 END, p.currency, a.id, a.purpose,
           a.group_id, g.code
      FROM ledger_accounts a
      JOIN ledger_postings p ON p.account_id = a.id
      JOIN ledger_entries e ON e.id = p.entry_id
      LEFT JOIN groups g ON g.id = a.group_id
     WHERE a.organization_id = :org AND a.member_id = :member
     ORDER BY p.effective_at DESC, p.id DESC
     LIMIT :limit
    """
)


async def member_recent_transactions(
    session: AsyncSession, organization_id: int, member_id: int, limit: int = 5
) -> list[MemberTransaction]:
    """The member's latest postings across every group (and loan), newest first."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"ask for 1..{MAX_PAGE} transactions")
    result = await session.execute(_RECENT, {"org": organization_id, "member": member_id, "limit": limit})
    return [
        MemberTransaction(entry_id, pid, kind, memo, at, Money(int(amount), currency), account, purpose, group, code)
        for entry_id, pid, kind, memo, at, amount, currency, account, purpose, group, code in result
    ]
