"""Posting entries: the one write path into the ledger, a batch per round trip (one entry is a batch of one).

The work happens in the database function `ledger_post_entries` (migration 0002): it locks balance rows in a
fixed order, detects replays, inserts entries and postings and moves balances in the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.errors import DomainError, InvalidInput
from core.ledger.errors import (
    AlreadyReversed,
    IdempotencyConflict,
    InsufficientFunds,
    UnbalancedEntry,
    UnknownAccount,
)
from core.ledger.rules import canonical_metadata, content_digest, validate_entry
from core.ledger.types import NewEntry, PostedEntry, PostingSpec

MAX_BATCH = 5_000

_COLUMNS = "entry_no, entry_id, replayed, effective_at, created_at, actor_type, actor_id, memo, metadata, reverses_entry_id"
_PARAMS = (
    "org", "keys", "kinds", "digests", "effective", "actor_types", "actor_ids", "memos", "metadata", "reverses",
    "entry_nos", "accounts", "amounts", "currencies",
)
# The same call twice: positional for asyncpg (prepared once per connection), named for SQLAlchemy.
_POST_SQL = f"SELECT {_COLUMNS} FROM ledger_post_entries({', '.join(f'${i}' for i in range(1, 15))})"
_POST = text(f"SELECT {_COLUMNS} FROM ledger_post_entries({', '.join(f':{p}' for p in _PARAMS)})")


async def post_entries(
    session: AsyncSession,
    organization_id: int,
    entries: Sequence[NewEntry],
    *,
    audit: bool = True,
    audit_actor: Actor | None = None,
) -> list[PostedEntry]:
    """Post many entries in the caller's transaction, all or nothing; returns them in the order given.

    A key posted before (here or in this batch) with the same content returns the stored entry with
    `replayed=True` and changes nothing. One audit event covers the new entries of the call.
    Raises UnbalancedEntry/InvalidInput (malformed), UnknownAccount, IdempotencyConflict (key reused with
    other content), InsufficientFunds (a floor would be crossed) or AlreadyReversed; after any of them the
    transaction must be rolled back (leaving the `db.tenant()` block with the error does that).
    """
    if not entries:
        return []
    if len(entries) > MAX_BATCH:
        raise InvalidInput(f"post at most {MAX_BATCH} entries per call")
    first: dict[str, int] = {}  # key -> position of its first occurrence in `entries`
    digests: list[str] = []
    unique: list[int] = []
    for i, entry in enumerate(entries):
        validate_entry(entry)
        digest = content_digest(entry)
        digests.append(digest)
        seen = first.get(entry.idempotency_key)
        if seen is None:
            first[entry.idempotency_key] = i
            unique.append(i)
        elif digests[seen] != digest:
            raise IdempotencyConflict(
                f"idempotency key {entry.idempotency_key!r} appears twice in the batch with different content",
                idempotency_key=entry.idempotency_key,
            )
    batch = [entries[i] for i in unique]
    params = _parameters(organization_id, batch, [digests[i] for i in unique])
    rows = await _call(session, params)
    stored = [_posted(organization_id, batch[row[0] - 1], row) for row in rows]
    by_key = {p.idempotency_key: p for p in stored}
    if audit:
        new = [p for p in stored if not p.replayed]
        if new:
            await _audit(session, organization_id, new, audit_actor or new[0].actor)
    return [by_key[e.idempotency_key] for e in entries]


async def post_entry(
    session: AsyncSession,
    *,
    organization_id: int,
    kind: str,
    postings: Sequence[PostingSpec],
    idempotency_key: str,
    actor: Actor,
    memo: str = "",
    effective_at: datetime | None = None,
    metadata: dict[str, Any] | None = None,
    audit: bool = True,
) -> PostedEntry:
    """Post one entry (see post_entries for replays and the errors it raises)."""
    entry = NewEntry(
        kind=kind,
        postings=tuple(postings),
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo,
        effective_at=effective_at,
        metadata=metadata or {},
    )
    return (await post_entries(session, organization_id, [entry], audit=audit))[0]


async def _call(session: AsyncSession, params: dict[str, Any]) -> Sequence[Any]:
    """Run the posting function in the session's transaction.

    Once the transaction is open (db.tenant() has set its scope) the call goes straight to the asyncpg
    connection, whose statement cache keeps it prepared: the hot path skips the ORM's execution machinery.
    """
    driver = (await (await session.connection()).get_raw_connection()).driver_connection
    if driver is not None and driver.is_in_transaction():
        try:
            return await driver.fetch(_POST_SQL, *(params[p] for p in _PARAMS))  # type: ignore[no-any-return]
        except asyncpg.PostgresError as exc:
            raise translate_error(exc) from exc
    try:
        return (await session.execute(_POST, params)).all()
    except DBAPIError as exc:
        raise translate_error(exc) from exc


def _parameters(organization_id: int, batch: list[NewEntry], digests: list[str]) -> dict[str, Any]:
    entry_nos: list[int] = []
    accounts: list[int] = []
    amounts: list[int] = []
    currencies: list[str] = []
    for n, entry in enumerate(batch, start=1):
        for p in entry.postings:
            entry_nos.append(n)
            accounts.append(p.account_id)
            amounts.append(p.signed_amount)
            currencies.append(p.amount.currency)
    return {
        "org": organization_id,
        "keys": [e.idempotency_key for e in batch],
        "kinds": [e.kind for e in batch],
        "digests": digests,
        "effective": [e.effective_at for e in batch],
        "actor_types": [e.actor.type for e in batch],
        "actor_ids": [e.actor.id for e in batch],
        "memos": [e.memo for e in batch],
        "metadata": [canonical_metadata(e.metadata) for e in batch],
        "reverses": [e.reverses_entry_id for e in batch],
        "entry_nos": entry_nos,
        "accounts": accounts,
        "amounts": amounts,
        "currencies": currencies,
    }


def _posted(organization_id: int, entry: NewEntry, row: Any) -> PostedEntry:
    _, entry_id, replayed, effective_at, created_at, actor_type, actor_id, memo, metadata, reverses = row
    return PostedEntry(
        id=entry_id,
        organization_id=organization_id,
        idempotency_key=entry.idempotency_key,
        kind=entry.kind,
        effective_at=effective_at,
        created_at=created_at,
        actor=Actor(actor_type, actor_id),
        memo=memo,
        metadata=json.loads(metadata) if metadata else {},
        postings=entry.postings,
        reverses_entry_id=reverses,
        replayed=replayed,
    )


async def _audit(session: AsyncSession, organization_id: int, new: list[PostedEntry], actor: Actor) -> None:
    if len(new) == 1:
        entry = new[0]
        await record(
            session,
            organization_id=organization_id,
            actor=actor,
            action="ledger.entry_posted",
            object_type="ledger_entry",
            object_id=entry.id,
            details={
                "kind": entry.kind,
                "key": entry.idempotency_key,
                "postings": [[p.account_id, p.signed_amount, p.amount.currency] for p in entry.postings],
            },
        )
        return
    await record(
        session,
        organization_id=organization_id,
        actor=actor,
        action="ledger.entries_posted",
        object_type="ledger_entry",
        details={"count": len(new), "entry_ids": [e.id for e in new]},
    )


def translate_error(exc: Exception) -> Exception:
    """The domain error behind a refusal of the posting function or a ledger constraint (else exc itself).

    Takes an asyncpg error or SQLAlchemy's DBAPIError wrapping one.
    """
    pg = exc.orig.__cause__ if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    if not isinstance(pg, asyncpg.PostgresError):
        return exc
    state = pg.sqlstate
    message = str(pg)
    raw = getattr(pg, "detail", None)
    detail: dict[str, Any] = json.loads(raw) if raw and raw.startswith("{") else {}
    constraint = getattr(pg, "constraint_name", None)
    error: DomainError
    if state == "IB001":
        error = UnbalancedEntry(message)
    elif state == "IB002":
        error = UnknownAccount(message)
    elif state == "IB003":
        error = IdempotencyConflict(message, idempotency_key=detail.get("key", ""), entry_id=detail.get("entry_id"))
    elif state == "IB004":
        error = InsufficientFunds(message, account_id=detail.get("account_id"), available=detail.get("available"))
    elif state == "IB005":
        error = AlreadyReversed(message, entry_id=detail.get("entry_id", 0), reversal_id=detail.get("reversal_id"))
    elif state == "23514" and constraint == "ck_ledger_balances_available_above_floor":
        error = InsufficientFunds("insufficient funds: a concurrent posting took the available balance")
    elif state == "23505" and constraint == "uq_ledger_entries_reverses_entry_id":
        error = AlreadyReversed("the entry was reversed by a concurrent transaction", entry_id=0)
    else:
        return exc
    return error
