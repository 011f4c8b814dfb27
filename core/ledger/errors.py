"""What a posting can be refused for; each a DomainError a dialog or the console turns into a clear reply."""

from __future__ import annotations

from core.errors import Conflict, InvalidInput, NotFound


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
