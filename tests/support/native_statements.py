"""Log every statement the bare pooled connections (Database.native_connection) run, for statement counts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from core.db.database import Database


def log_native_statements(db: Database, logger: Callable[[Any], None]) -> None:
    """From now on, each connection lent by db.native_connection() reports its queries to logger (asyncpg's
    query-logger record: `.query` is the text) while it is lent."""
    native = db.native_connection

    @asynccontextmanager
    async def logged_native() -> AsyncIterator[Any]:
        async with native() as conn:
            conn.add_query_logger(logger)
            try:
                yield conn
            finally:
                conn.remove_query_logger(logger)

    db.native_connection = logged_native  # type: ignore[method-assign]


def native_statement_names(db: Database) -> list[str]:
    """From now on, what each statement db.native_connection() runs calls (its text up to the first
    parenthesis, e.g. "SELECT * FROM conversation_turn_load_many"), in order, appended to the returned list."""
    seen: list[str] = []
    log_native_statements(db, lambda record: seen.append(record.query.split("(")[0]))
    return seen
