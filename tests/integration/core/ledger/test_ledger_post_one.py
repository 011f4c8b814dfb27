"""The single-entry posting function (migration 0013) against the batch function (0002): same outcome.

Single entries take the lean function; batches take the general one. Hypothesis draws calls straight at the
SQL (so malformed legs the Python side would refuse reach the database too): keys from a small pool (replays,
key conflicts), two or three legs over known accounts, an unknown one and another SACCO's, zero and
unbalanced amounts, a second currency, reversals of posted, reversed and missing entries. Each call runs
once through the batch function as a batch of one and once through the lean one, on the same state (a
savepoint rolled back between them): the SQLSTATE, the row and every balance afterwards must agree.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.db.database import Database
from tests.integration.core.ledger.helpers import Books, make_books

BATCH = (
    "SELECT entry_no, entry_id, replayed, effective_at, created_at, actor_type, actor_id, memo, metadata, "
    "reverses_entry_id FROM ledger_post_entries($1, ARRAY[$2], ARRAY[$3], ARRAY[$4], ARRAY[$5::timestamptz], "
    "ARRAY[$6], ARRAY[$7], ARRAY[$8], ARRAY[$9], ARRAY[$10::bigint], $11::int[], $12, $13, $14)"
)
ONE = (
    "SELECT entry_no, entry_id, replayed, effective_at, created_at, actor_type, actor_id, memo, metadata, "
    "reverses_entry_id FROM ledger_post_entry($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
)

amount = st.integers(1, 3_000) | st.integers(-3_000, -1) | st.integers(-3_000, 3_000)
slot = st.sampled_from([0] * 5 + [1] * 2 + [2] * 4 + [3] * 4 + [4, 5])
leg = st.tuples(slot, amount, st.sampled_from(["RWF"] * 19 + ["USD"]))
call = st.fixed_dictionaries({
    "key": st.sampled_from([f"k{i}" for i in range(8)]),
    "kind": st.sampled_from(["contribution", "withdrawal"]),
    "legs": st.lists(leg, min_size=2, max_size=3) | st.lists(leg, min_size=1, max_size=1),
    "balance_it": st.sampled_from([True] * 9 + [False]),
    "again": st.sampled_from([False] * 3 + [True]),  # the previous successful call once more: a replay
    "reverses": st.none() | st.none() | st.integers(0, 8),
    "memo": st.sampled_from(["", "retry"]),
})  # fmt: skip


def _accounts(b: Books, other: Books) -> list[int]:
    """Leg slots 0..5: clearing (sharded), cash, two members' savings (floors), unknown, another SACCO's."""
    return [b.clearing, b.cash, b.savings[0], b.savings[1], 9_999_999, other.savings[0]]


def _args(b: Books, other: Books, c: dict[str, Any], posted: list[int]) -> list[Any]:
    slots = _accounts(b, other)
    legs = [(slots[i], amount, currency) for i, amount, currency in c["legs"]]
    if c["balance_it"] and len(legs) >= 2:
        account, _, currency = legs[-1]
        legs[-1] = (account, -sum(a for _, a, cur in legs[:-1] if cur == currency), currency)
    reverses = None
    if c["reverses"] is not None:
        reverses = posted[c["reverses"] % len(posted)] if posted and c["reverses"] < 7 else 8_888_888
    digest = hashlib.sha256(json.dumps([c["kind"], sorted(legs), reverses]).encode()).hexdigest()
    return [
        b.org.id, c["key"], c["kind"], digest, None, "system", "tests", c["memo"], "{}", reverses,
        [1] * len(legs), [a for a, _, _ in legs], [x for _, x, _ in legs], [cur for _, _, cur in legs],
    ]  # fmt: skip


async def _outcome(conn: asyncpg.Connection, sql: str, args: list[Any], accounts: list[int]) -> tuple[Any, ...]:
    """(SQLSTATE or None, the row without its fresh id and clock, every balance row afterwards)."""
    try:
        rows = await conn.fetch(sql, *args)
    except asyncpg.PostgresError as exc:
        return (exc.sqlstate, None, None)
    (row,) = rows
    kept = (row["entry_no"], row["replayed"], row["actor_type"], row["actor_id"], row["memo"], row["metadata"],
            row["reverses_entry_id"], row["entry_id"] if row["replayed"] else "new")  # fmt: skip
    balances = await conn.fetch(
        "SELECT account_id, sum(balance), sum(held) FROM ledger_balances WHERE account_id = ANY($1) "
        "GROUP BY account_id ORDER BY account_id",
        accounts,
    )
    return (None, kept, [tuple(r) for r in balances])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=st.lists(call, min_size=1, max_size=30))
async def test_single_entry_function_agrees_with_the_batch_function(db: Database, calls: list[dict[str, Any]]) -> None:
    b, other = await make_books(db), await make_books(db, members=1)
    accounts = _accounts(b, other)
    posted: list[int] = []
    outcomes: set[str | None] = set()
    async with db.native_connection() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.organization_id', $1, true)", str(b.org.id))
        last: list[Any] | None = None
        for c in calls:
            args = last if c["again"] and last else _args(b, other, c, posted)
            probe = conn.transaction()
            await probe.start()
            expected = await _outcome(conn, BATCH, args, accounts)
            await probe.rollback()
            step = conn.transaction()
            await step.start()
            got = await _outcome(conn, ONE, args[:10] + args[11:], accounts)  # no entry numbers
            assert got == expected, f"{c} -> {args}"
            if got[0] is None:
                await step.commit()
                last = args
                if got[1][-1] == "new":
                    posted.append(await conn.fetchval(
                        "SELECT id FROM ledger_entries WHERE organization_id = $1 AND idempotency_key = $2",
                        b.org.id, args[1]))  # fmt: skip
            else:
                await step.rollback()
            outcomes.add(got[0])
        await conn.execute("SELECT 1")
    assert outcomes  # every call compared
