"""Holds: money set aside on an account (a guarantor's savings for a loan); available = balance - holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.errors import InvalidInput, NotFound
from core.ledger.errors import IdempotencyConflict, InsufficientFunds, UnknownAccount
from core.money import Money


@dataclass(frozen=True, slots=True)
class Hold:
    id: int
    organization_id: int
    account_id: int
    amount: Money
    reference: str
    reason: str
    created_at: datetime
    released_at: datetime | None

    @property
    def active(self) -> bool:
        return self.released_at is None


_COLUMNS = "id, organization_id, account_id, amount, currency, reference, reason, created_at, released_at"
_BY_REFERENCE = text(f"SELECT {_COLUMNS} FROM ledger_holds WHERE organization_id = :org AND reference = :ref")
_LOCK = text(
    "SELECT b.balance, b.held, b.floor, a.currency, a.shards FROM ledger_accounts a "
    "JOIN ledger_balances b ON b.account_id = a.id AND b.shard = 0 "
    "WHERE a.id = :account AND a.organization_id = :org FOR UPDATE OF b"
)
_INSERT = text(
    "INSERT INTO ledger_holds (organization_id, account_id, amount, currency, reference, reason, actor_type, actor_id) "
    "VALUES (:org, :account, :amount, :currency, :ref, :reason, :actor_type, :actor_id) "
    f"ON CONFLICT (organization_id, reference) DO NOTHING RETURNING {_COLUMNS}"
)
_MOVE_HELD = text("UPDATE ledger_balances SET held = held + :delta WHERE account_id = :account AND shard = 0")
_RELEASE = text(
    "UPDATE ledger_holds SET released_at = now() WHERE id = :id AND organization_id = :org AND released_at IS NULL "
    f"RETURNING {_COLUMNS}"
)
_BY_ID = text(f"SELECT {_COLUMNS} FROM ledger_holds WHERE id = :id AND organization_id = :org")
_ON_ACCOUNT = text(
    f"SELECT {_COLUMNS} FROM ledger_holds WHERE organization_id = :org AND account_id = :account "
    "AND (released_at IS NULL OR NOT :active_only) ORDER BY id"
)


def _hold(row: Any) -> Hold:
    id_, org, account, amount, currency, reference, reason, created_at, released_at = row
    return Hold(id_, org, account, Money(int(amount), currency), reference, reason, created_at, released_at)


def _same(hold: Hold, account_id: int, amount: Money) -> Hold:
    if hold.account_id != account_id or hold.amount != amount:
        raise IdempotencyConflict(
            f"hold {hold.reference!r} exists for {hold.amount} on account {hold.account_id}",
            idempotency_key=hold.reference,
        )
    return hold


async def place_hold(
    session: AsyncSession,
    organization_id: int,
    account_id: int,
    amount: Money,
    *,
    reference: str,
    actor: Actor,
    reason: str = "",
) -> Hold:
    """Set `amount` aside on a member, group or loan account; withdrawals then see less available.

    Idempotent on `reference` (e.g. 'loan:17:guarantor:42'): placing it again returns the same hold.
    Raises UnknownAccount, InvalidInput (an organization-wide account, or another currency),
    InsufficientFunds (less is available than the amount), IdempotencyConflict (the reference holds
    another amount or account).
    """
    if amount.amount <= 0:
        raise InvalidInput("a hold must be a positive amount")
    if not reference or len(reference) > 128:
        raise InvalidInput("a hold needs a reference of 1..128 characters")
    params = {"org": organization_id, "ref": reference}
    existing = (await session.execute(_BY_REFERENCE, params)).first()
    if existing is not None:
        return _same(_hold(existing), account_id, amount)
    row = (await session.execute(_LOCK, {"account": account_id, "org": organization_id})).first()
    if row is None:
        raise UnknownAccount(f"account {account_id} does not exist in this organization")
    balance, held, floor, currency, shards = row
    if shards != 1:
        raise InvalidInput("holds are placed on member, group or loan accounts, not organization-wide ones")
    if currency != amount.currency:
        raise InvalidInput(f"account {account_id} holds {currency}, not {amount.currency}")
    available = int(balance) - int(held) - (floor or 0)
    if amount.amount > available:
        raise InsufficientFunds(
            f"cannot hold {amount}: {Money(available, currency)} available", account_id=account_id, available=available
        )
    inserted = (
        await session.execute(
            _INSERT,
            {**params, "account": account_id, "amount": amount.amount, "currency": amount.currency,
             "reason": reason, "actor_type": actor.type, "actor_id": actor.id},
        )
    ).first()
    if inserted is None:  # the same reference was placed concurrently
        again = (await session.execute(_BY_REFERENCE, params)).one()
        return _same(_hold(again), account_id, amount)
    await session.execute(_MOVE_HELD, {"delta": amount.amount, "account": account_id})
    hold = _hold(inserted)
    await record(
        session,
        organization_id=organization_id,
        actor=actor,
        action="ledger.hold_placed",
        object_type="ledger_hold",
        object_id=hold.id,
        details={"account_id": account_id, "amount": amount.amount, "currency": amount.currency,
                 "reference": reference, "reason": reason},
    )
    return hold


async def release_hold(session: AsyncSession, organization_id: int, hold_id: int, *, actor: Actor) -> Hold:
    """Give held money back to `available`; releasing twice returns the released hold. Raises NotFound."""
    row = (await session.execute(_RELEASE, {"id": hold_id, "org": organization_id})).first()
    if row is None:
        found = (await session.execute(_BY_ID, {"id": hold_id, "org": organization_id})).first()
        if found is None:
            raise NotFound(f"hold {hold_id} does not exist in this organization")
        return _hold(found)
    hold = _hold(row)
    await session.execute(_MOVE_HELD, {"delta": -hold.amount.amount, "account": hold.account_id})
    await record(
        session,
        organization_id=organization_id,
        actor=actor,
        action="ledger.hold_released",
        object_type="ledger_hold",
        object_id=hold.id,
        details={"account_id": hold.account_id, "amount": hold.amount.amount, "reference": hold.reference},
    )
    return hold


async def find_hold(session: AsyncSession, organization_id: int, reference: str) -> Hold | None:
    row = (await session.execute(_BY_REFERENCE, {"org": organization_id, "ref": reference})).first()
    return None if row is None else _hold(row)


async def holds_on_account(
    session: AsyncSession, organization_id: int, account_id: int, *, active_only: bool = True
) -> list[Hold]:
    rows = await session.execute(_ON_ACCOUNT, {"org": organization_id, "account": account_id, "active_only": active_only})
    return [_hold(r) for r in rows]
