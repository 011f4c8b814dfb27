"""Database refusals become domain errors: our SQLSTATEs, and the constraints behind the two race-only paths."""

from __future__ import annotations

import json

import asyncpg

from core.ledger.errors import (
    AlreadyReversed,
    IdempotencyConflict,
    InsufficientFunds,
    UnbalancedEntry,
    UnknownAccount,
    translate_error,
)


def pg_error(cls: type[asyncpg.PostgresError], message: str, **fields: object) -> asyncpg.PostgresError:
    error = cls(message)
    for name, value in fields.items():
        setattr(error, name, value)
    return error


def raised(sqlstate: str, detail: dict[str, object]) -> asyncpg.PostgresError:
    error = asyncpg.exceptions.RaiseError(f"refused with {sqlstate}")
    error.sqlstate = sqlstate  # type: ignore[misc]
    error.detail = json.dumps(detail)
    return error


def test_our_sqlstates_map_to_domain_errors_with_their_details() -> None:
    assert isinstance(translate_error(raised("IB001", {"key": "k"})), UnbalancedEntry)
    assert isinstance(translate_error(raised("IB002", {"account_id": 5})), UnknownAccount)
    conflict = translate_error(raised("IB003", {"key": "momo:1", "entry_id": 9}))
    assert isinstance(conflict, IdempotencyConflict) and (conflict.idempotency_key, conflict.entry_id) == ("momo:1", 9)
    short = translate_error(raised("IB004", {"account_id": 3, "available": 250}))
    assert isinstance(short, InsufficientFunds) and (short.account_id, short.available) == (3, 250)
    twice = translate_error(raised("IB005", {"entry_id": 4, "reversal_id": 8}))
    assert isinstance(twice, AlreadyReversed) and (twice.entry_id, twice.reversal_id) == (4, 8)


def test_race_only_constraints_and_anything_else() -> None:
    floor = pg_error(asyncpg.exceptions.CheckViolationError, "check",
                     constraint_name="ck_ledger_balances_available_above_floor")
    assert isinstance(translate_error(floor), InsufficientFunds)
    reversal = pg_error(asyncpg.exceptions.UniqueViolationError, "dup",
                        constraint_name="uq_ledger_entries_reverses_entry_id")
    assert isinstance(translate_error(reversal), AlreadyReversed)
    other = pg_error(asyncpg.exceptions.UniqueViolationError, "dup", constraint_name="uq_something_else")
    assert translate_error(other) is other
    plain = ValueError("not a database error")
    assert translate_error(plain) is plain
