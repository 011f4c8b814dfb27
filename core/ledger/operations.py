"""Everyday movements built on post_entries: a contribution, a withdrawal, and the reversal of a mistake."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.errors import InvalidInput, NotFound
from core.ledger.chart import SystemAccount, account_ids, ensure_member_savings_account, savings_code
from core.ledger.errors import AlreadyReversed
from core.ledger.posting import post_entries
from core.ledger.types import EntryKind, NewEntry, PostedEntry, PostingSpec, Side
from core.money import Money


async def _savings_and(
    session: AsyncSession, organization_id: int, member_id: int, group_id: int, other: SystemAccount | int
) -> tuple[int, int]:
    """The member's savings account id (opened if needed) and the other account's id, in one round trip."""
    code = savings_code(group_id, member_id)
    wanted = [code] if isinstance(other, int) else [code, other.value]
    found = await account_ids(session, organization_id, wanted)
    savings = found.get(code) or await ensure_member_savings_account(session, organization_id, member_id, group_id)
    if isinstance(other, int):
        return savings, other
    if other.value not in found:
        raise NotFound(f"organization {organization_id} has no {other.value} account")
    return savings, found[other.value]


async def record_contribution(
    session: AsyncSession,
    organization_id: int,
    member_id: int,
    group_id: int,
    amount: Money,
    *,
    idempotency_key: str,
    actor: Actor,
    source: SystemAccount | int = SystemAccount.MTN_CLEARING,
    memo: str = "",
    effective_at: datetime | None = None,
    metadata: dict[str, Any] | None = None,
    audit: bool = True,
) -> PostedEntry:
    """Credit the member's savings in the group from `source` (the MTN clearing account by default).

    Replaying the key returns the first entry. Raises NotFound when the member is not in the group, and the
    errors of post_entries.
    """
    savings, source_id = await _savings_and(session, organization_id, member_id, group_id, source)
    entry = NewEntry(
        kind=EntryKind.CONTRIBUTION,
        postings=(PostingSpec.debit(source_id, amount), PostingSpec.credit(savings, amount)),
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo,
        effective_at=effective_at,
        metadata={"member_id": member_id, "group_id": group_id, **(metadata or {})},
    )
    return (await post_entries(session, organization_id, [entry], audit=audit))[0]


async def record_withdrawal(
    session: AsyncSession,
    organization_id: int,
    member_id: int,
    group_id: int,
    amount: Money,
    *,
    idempotency_key: str,
    actor: Actor,
    destination: SystemAccount | int = SystemAccount.CASH,
    memo: str = "",
    effective_at: datetime | None = None,
    metadata: dict[str, Any] | None = None,
) -> PostedEntry:
    """Pay a member out of their savings in the group (to cash by default).

    Raises InsufficientFunds when the amount exceeds what is available (balance minus holds).
    """
    savings, destination_id = await _savings_and(session, organization_id, member_id, group_id, destination)
    entry = NewEntry(
        kind=EntryKind.WITHDRAWAL,
        postings=(PostingSpec.debit(savings, amount), PostingSpec.credit(destination_id, amount)),
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo,
        effective_at=effective_at,
        metadata={"member_id": member_id, "group_id": group_id, **(metadata or {})},
    )
    return (await post_entries(session, organization_id, [entry]))[0]


_ENTRY = text(
    "SELECT e.kind, e.reverses_entry_id, (SELECT x.id FROM ledger_entries x WHERE x.reverses_entry_id = e.id) "
    "FROM ledger_entries e WHERE e.id = :id AND e.organization_id = :org"
)
_LEGS = text(
    "SELECT account_id, amount, currency FROM ledger_postings WHERE entry_id = :id AND organization_id = :org "
    "ORDER BY id"
)


async def reverse_entry(
    session: AsyncSession,
    organization_id: int,
    entry_id: int,
    *,
    reason: str,
    actor: Actor,
    idempotency_key: str | None = None,
) -> PostedEntry:
    """Undo an entry by posting its mirror image, linked to it; the original stays as it was.

    Raises NotFound (no such entry here), InvalidInput (it is itself a reversal, or no reason given),
    AlreadyReversed (an entry is reversed once), InsufficientFunds (the money has already left the account).
    """
    if not reason.strip():
        raise InvalidInput("say why the entry is reversed")
    row = (await session.execute(_ENTRY, {"id": entry_id, "org": organization_id})).first()
    if row is None:
        raise NotFound(f"entry {entry_id} does not exist in this organization")
    kind, reverses, reversal_id = row
    if reverses is not None:
        raise InvalidInput(f"entry {entry_id} is a reversal; post a new entry instead of reversing it")
    if reversal_id is not None:
        raise AlreadyReversed(
            f"entry {entry_id} was already reversed by entry {reversal_id}", entry_id=entry_id, reversal_id=reversal_id
        )
    legs = (await session.execute(_LEGS, {"id": entry_id, "org": organization_id}))
    postings = tuple(
        PostingSpec(int(account), Side.CREDIT if amount > 0 else Side.DEBIT, Money(abs(int(amount)), str(currency)))
        for account, amount, currency in legs
    )
    entry = NewEntry(
        kind=EntryKind.REVERSAL,
        postings=postings,
        idempotency_key=idempotency_key or f"reversal:{entry_id}",
        actor=actor,
        memo=reason,
        metadata={"reverses": entry_id, "reversed_kind": kind},
        reverses_entry_id=entry_id,
    )
    posted = (await post_entries(session, organization_id, [entry], audit=False))[0]
    if not posted.replayed:
        await record(
            session,
            organization_id=organization_id,
            actor=actor,
            action="ledger.entry_reversed",
            object_type="ledger_entry",
            object_id=entry_id,
            details={"reversal_id": posted.id, "reason": reason},
        )
    return posted
