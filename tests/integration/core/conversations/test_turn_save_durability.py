"""A turn's save commits asynchronously when it is its own transaction (migration 0014), and leaves the
durability of a caller's transaction alone: that transaction might hold money."""

from __future__ import annotations

from datetime import UTC, datetime

from core.conversations.turns import SAVE_SQL
from core.db.database import Database

NOTHING = (-1, None, None, None, None, None, "{}", "[]", False, "ussd", datetime.now(UTC), "[]")
ARGS = ", ".join(
    ["-1", "NULL", "NULL", "NULL", "NULL", "NULL", "'{}'", "'[]'", "false", "'ussd'", "now()", "'[]'"]
)


async def test_a_save_that_is_its_own_transaction_commits_asynchronously(db: Database) -> None:
    async with db.native_connection() as conn:
        # One simple query, two statements, one implicit transaction: the second sees what the save set.
        await conn.execute(
            f"SELECT conversation_turn_save({ARGS});"
            "SELECT set_config('ibimina.probe', current_setting('synchronous_commit'), false)"
        )
        assert await conn.fetchval("SELECT current_setting('ibimina.probe')") == "off"
        assert await conn.fetchval("SHOW synchronous_commit") == "on"  # for that transaction only


async def test_a_save_inside_a_callers_transaction_keeps_its_durability(db: Database) -> None:
    async with db.native_connection() as conn, conn.transaction():
        await conn.execute("SELECT 1")
        await conn.execute(SAVE_SQL, *NOTHING)
        assert await conn.fetchval("SHOW synchronous_commit") == "on"
