"""Posting entries: the one write path into the ledger, one round trip per call.

The work happens in the database: `ledger_post_entries` (migration 0002) for a batch, `ledger_post_entry`
(migration 0013) for a single entry, the common case, in a third of the statements. Both lock balance rows
in the same fixed order, detect replays, insert entries and postings and move balances in one transaction.
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
from core.db.database import Database
from core.errors import InvalidInput
from core.ledger.errors import IdempotencyConflict, translate_error
from core.ledger.rules import canonical_metadata, content_digest, validate_entry
from core.ledger.types import NewEntry, PostedEntry, PostingSpec

MAX_BATCH = 5_000

_COLUMNS = "entry_no, entry_id, replayed, effective_at, created_at, actor_type, actor_id, memo, metadata, reverses_entry_id"
_PARAMS = (
    "org", "keys", "kinds", "digests", "effective", "actor_types", "actor_ids", "memos", "metadata", "reverses",
    "entry_nos", "accounts", "amounts", "currencies",
)


def _positional(function: str, params: int) -> tuple[str, str]:
    """A posting function's call two ways: positional in the caller's transaction (asyncpg prepares it once
    per connection), and with the organization scope set in the same statement, for a transaction of its own
    (one round trip; the lateral call depends on the scope row, so the scope is set before the function runs).
    $1 is the organization either way."""
    args = ", ".join(f"${i}" for i in range(2, params + 1))
    return (
        f"SELECT {_COLUMNS} FROM {function}($1, {args})",
        f"SELECT r.* FROM (SELECT set_config('app.organization_id', $1::text, true) AS org, "
        f"set_config('app.all_organizations', 'off', true)) AS scope, "
        f"LATERAL {function}(scope.org::bigint, {args}) AS r",
    )


# A batch (and, named, for SQLAlchemy); one entry: the same result row, scalars for the entry, arrays for legs.
_POST_SQL, _SCOPED_POST_SQL = _positional("ledger_post_entries", len(_PARAMS))
_POST = text(f"SELECT {_COLUMNS} FROM ledger_post_entries({', '.join(f':{p}' for p in _PARAMS)})")
_POST_ONE_SQL, _SCOPED_POST_ONE_SQL = _positional("ledger_post_entry", 13)


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
    batch, digests = _prepare(entries)
    if not batch:
        return []
    rows = await _call(session, organization_id, batch, digests)
    stored = _stored(organization_id, batch, rows)
    if audit:
        new = [p for p in stored.values() if not p.replayed]
        if new:
            await _audit(session, organization_id, new, audit_actor or new[0].actor)
    return [stored[e.idempotency_key] for e in entries]


async def commit_entries(db: Database, organization_id: int, entries: Sequence[NewEntry]) -> list[PostedEntry]:
    """Post entries in a transaction of their own, committed when this returns: one round trip, no ORM.

    For callers whose whole unit of work is the posting (a payment webhook, a load job). It writes no audit
    event: each entry is itself an append-only record of who moved what and when, and the per-organization
    audit chain would serialise every such transaction (use post_entries in a session when the movement must
    be on the chain, or batch). Same replay semantics and errors as post_entries; a refused call writes nothing.
    """
    batch, digests = _prepare(entries)
    if not batch:
        return []
    sql, args = _statement(batch, digests, scoped=True)
    async with db.native_connection() as conn:
        try:
            rows = await conn.fetch(sql, str(organization_id), *args)
        except asyncpg.PostgresError as exc:
            raise translate_error(exc) from exc
    stored = _stored(organization_id, batch, rows)
    return [stored[e.idempotency_key] for e in entries]


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
    """Post one entry in the caller's transaction (see post_entries for replays and the errors it raises)."""
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


def _prepare(entries: Sequence[NewEntry]) -> tuple[list[NewEntry], dict[str, str]]:
    """Validate, and fold repeated keys (same content: one entry; other content: IdempotencyConflict).

    Returns the entries to send, in order, and each key's content digest.
    """
    if len(entries) > MAX_BATCH:
        raise InvalidInput(f"post at most {MAX_BATCH} entries per call")
    digests: dict[str, str] = {}
    batch: list[NewEntry] = []
    for entry in entries:
        validate_entry(entry)
        digest = content_digest(entry)
        seen = digests.get(entry.idempotency_key)
        if seen is None:
            digests[entry.idempotency_key] = digest
            batch.append(entry)
        elif seen != digest:
            raise IdempotencyConflict(
                f"idempotency key {entry.idempotency_key!r} appears twice in the batch with different content",
                idempotency_key=entry.idempotency_key,
            )
    return batch, digests


def _statement(batch: list[NewEntry], digests: dict[str, str], *, scoped: bool) -> tuple[str, tuple[Any, ...]]:
    """The call for this batch and its arguments after the organization: the single-entry function for one
    entry, the batch function for more."""
    if len(batch) == 1:
        return (_SCOPED_POST_ONE_SQL if scoped else _POST_ONE_SQL), _one_args(batch[0], digests)
    return (_SCOPED_POST_SQL if scoped else _POST_SQL), _batch_args(batch, digests)


def _one_args(entry: NewEntry, digests: dict[str, str]) -> tuple[Any, ...]:
    """ledger_post_entry's arguments after the organization: the entry, then its legs as three arrays."""
    legs = entry.postings
    return (
        entry.idempotency_key, entry.kind, digests[entry.idempotency_key], entry.effective_at, entry.actor.type,
        entry.actor.id, entry.memo, canonical_metadata(entry.metadata), entry.reverses_entry_id,
        [p.account_id for p in legs], [p.signed_amount for p in legs], [p.amount.currency for p in legs],
    )  # fmt: skip


def _batch_args(batch: list[NewEntry], digests: dict[str, str]) -> tuple[Any, ...]:
    """ledger_post_entries' arguments after the organization: one array per entry field, then the legs of
    every entry flattened, each naming its entry by number (1-based, in batch order)."""
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
    return (
        [e.idempotency_key for e in batch],
        [e.kind for e in batch],
        [digests[e.idempotency_key] for e in batch],
        [e.effective_at for e in batch],
        [e.actor.type for e in batch],
        [e.actor.id for e in batch],
        [e.memo for e in batch],
        [canonical_metadata(e.metadata) for e in batch],
        [e.reverses_entry_id for e in batch],
        entry_nos,
        accounts,
        amounts,
        currencies,
    )


async def _call(
    session: AsyncSession, organization_id: int, batch: list[NewEntry], digests: dict[str, str]
) -> Sequence[Any]:
    """Run the posting function in the session's transaction (the single-entry one for one entry).

    Once the transaction is open (db.tenant() has set its scope) the call goes straight to the asyncpg
    connection, whose statement cache keeps it prepared: the hot path skips the ORM's execution machinery.
    """
    driver = (await (await session.connection()).get_raw_connection()).driver_connection
    if driver is not None and driver.is_in_transaction():
        sql, args = _statement(batch, digests, scoped=False)
        try:
            return await driver.fetch(sql, organization_id, *args)  # type: ignore[no-any-return]
        except asyncpg.PostgresError as exc:
            raise translate_error(exc) from exc
    params = dict(zip(_PARAMS, (organization_id, *_batch_args(batch, digests)), strict=True))
    try:
        return (await session.execute(_POST, params)).all()
    except DBAPIError as exc:
        raise translate_error(exc) from exc


def _stored(organization_id: int, batch: list[NewEntry], rows: Sequence[Any]) -> dict[str, PostedEntry]:
    """The function's rows (one per entry of the batch, in order) as PostedEntry values by key."""
    out: dict[str, PostedEntry] = {}
    for row in rows:
        n, entry_id, replayed, effective_at, created_at, actor_type, actor_id, memo, metadata, reverses = row
        entry = batch[n - 1]
        out[entry.idempotency_key] = PostedEntry(
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
    return out


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
