"""What a posting can be refused for; each a DomainError a dialog or the console turns into a clear reply."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
from sqlalchemy.exc import DBAPIError

from core.errors import Conflict, DomainError, InvalidInput, NotFound


class UnbalancedEntry(InvalidInput):
    """Fewer than two postings, or debits and credits that differ in some currency."""

    code = "unbalanced_entry"


class UnknownAccount(NotFound):
    """The account does not exist in this organization (or is in another currency than the posting)."""

    code = "unknown_account"


class IdempotencyConflict(Conflict):
    """The idempotency key was already used for an entry with different content."""

    code = "idempotency_conflict"

    def __init__(self, message: str, *, idempotency_key: str, entry_id: int | None = None) -> None:
        super().__init__(message)
        self.idempotency_key = idempotency_key
        self.entry_id = entry_id


class InsufficientFunds(Conflict):
    """The posting would take an account's available balance (balance - holds) below its floor."""

    code = "insufficient_funds"

    def __init__(self, message: str, *, account_id: int | None = None, available: int | None = None) -> None:
        super().__init__(message)
        self.account_id = account_id
        self.available = available


class AlreadyReversed(Conflict):
    """An entry is reversed at most once."""

    code = "already_reversed"

    def __init__(self, message: str, *, entry_id: int, reversal_id: int | None = None) -> None:
        super().__init__(message)
        self.entry_id = entry_id
        self.reversal_id = reversal_id


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
