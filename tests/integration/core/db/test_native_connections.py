"""Bare pooled asyncpg connections (Database.native_connection) and the hot-path functions (migration 0012)
keep the same walls as ORM sessions: the app role, no scope no rows, each function scoped to what it needs
and handing the caller's scope back, nothing carried over to the connection's next user."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import pytest

from core.db.database import Database
from tests.support.factories import make_group, make_member, make_organization

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
SCOPE = "SELECT current_setting('app.organization_id', true), current_setting('app.all_organizations', true)"


async def test_a_bare_connection_is_the_app_role_and_sees_nothing_without_a_scope(db: Database) -> None:
    await make_organization(db)
    async with db.native_connection() as conn:
        assert await conn.fetchval("SELECT current_user") == "ibimina_app"
        assert await conn.fetchval("SELECT count(*) FROM organizations") == 0


async def test_the_overview_reads_only_the_members_organization(db: Database) -> None:
    a, b = await make_organization(db), await make_organization(db)
    member_b = await make_member(db, b, await make_group(db, b, name="Abandi"))
    member_a = await make_member(db, a, await make_group(db, a, name="Abanyamuryango"))
    overview = "SELECT n, groups FROM member_overview_many($1, $2, $3, $3, $3, '{}') ORDER BY n"
    asked = [(a.id, member_b.id), (b.id, member_b.id), (a.id, member_a.id)]  # first: B's member, asked as A
    async with db.native_connection() as conn:
        rows = await conn.fetch(overview, [o for o, _ in asked], [m for _, m in asked], [SINCE] * len(asked))
    assert [r["n"] for r in rows] == [1, 2, 3]
    assert rows[0]["groups"] is None
    assert [g["name"] for g in rows[1]["groups"]] == ["Abandi"]
    assert [g["name"] for g in rows[2]["groups"]] == ["Abanyamuryango"]


async def test_the_functions_hand_the_callers_scope_back(db: Database) -> None:
    org = await make_organization(db)
    async with db.native_connection() as conn, conn.transaction():
        await conn.execute(f"SELECT set_config('app.organization_id', '{org.id}', true)")
        before = tuple(await conn.fetchrow(SCOPE))
        assert before[0] == str(org.id) and before[1] != "on"
        await conn.fetch(  # system scope inside
            "SELECT * FROM conversation_turn_load_many('{scope-test}', '{NULL}', '{sms}', '{NULL}')"
        )
        assert tuple(await conn.fetchrow(SCOPE)) == before
        await conn.execute("SELECT conversation_turn_save_many('[]')")
        assert tuple(await conn.fetchrow(SCOPE)) == before
        await conn.fetch(
            "SELECT * FROM member_overview_many($1, '{0,0}', $2, $2, $2, '{}')", [org.id + 1, org.id], [SINCE] * 2
        )
        assert tuple(await conn.fetchrow(SCOPE)) == before
        assert await conn.fetchval("SELECT count(*) FROM organizations") == 1  # still only its own rows
    async with db.native_connection() as conn:  # the next user of the connection starts with no scope
        assert await conn.fetchval("SELECT count(*) FROM organizations") == 0


async def test_json_comes_back_as_values_like_through_the_orm(db: Database) -> None:
    async with db.native_connection() as conn:
        assert await conn.fetchval("SELECT $1::jsonb", '{"a": [1, 2]}') == {"a": [1, 2]}


async def test_a_statement_cut_off_midway_costs_its_connection_not_the_next_callers(db: Database) -> None:
    pool = db.native_pool()
    async with db.native_connection() as conn:
        with pytest.raises(asyncpg.DivisionByZeroError):
            await conn.fetchval("SELECT 1 / 0")
    with pytest.raises(asyncpg.DivisionByZeroError):  # a refusal: the connection is fine and goes back
        async with db.native_connection() as conn:
            kept = conn
            await conn.fetchval("SELECT 1 / 0")
    async with db.native_connection() as conn:
        assert conn is kept
    with pytest.raises(TimeoutError):  # cut off mid-statement: its wire state is unknown, so it is closed
        async with db.native_connection() as conn:
            cut = conn
            await asyncio.wait_for(conn.fetchval("SELECT pg_sleep(5)"), 0.05)
    assert cut.is_closed()
    async with db.native_connection() as conn:
        assert conn is not cut and await conn.fetchval("SELECT 41 + 1") == 42
    assert pool.size <= db.pool_size
