"""Bare asyncpg connections (Database.native) keep the same walls as ORM sessions: the app role, the scope
set with BEGIN in one round trip, nothing carried over to the connection's next user, rollback on error."""

from __future__ import annotations

import asyncpg
import pytest

from core.db.database import Database, Scope
from tests.support.factories import make_group, make_member, make_organization


async def test_a_tenant_scope_sees_only_its_organization(db: Database) -> None:
    a, b = await make_organization(db), await make_organization(db)
    for org in (a, b):
        await make_member(db, org, await make_group(db, org))
    async with db.native(Scope(a.id)) as conn:
        assert {r[0] for r in await conn.fetch("SELECT DISTINCT organization_id FROM members")} == {a.id}
        assert await conn.fetchval("SELECT current_user") == "ibimina_app"
    async with db.native(Scope.system()) as conn:
        assert {a.id, b.id} <= {r[0] for r in await conn.fetch("SELECT id FROM organizations")}


async def test_the_scope_ends_with_the_transaction(db: Database) -> None:
    org = await make_organization(db)
    pool = await db.native_pool()
    async with db.native(Scope(org.id)) as conn:
        assert await conn.fetchval("SELECT count(*) FROM organizations") == 1
    async with pool.acquire() as conn:  # the same pooled connections, no scope: RLS shows nothing
        assert await conn.fetchval("SELECT count(*) FROM organizations") == 0
        assert await conn.fetchval("SELECT current_setting('app.organization_id', true)") in ("", None)


async def test_an_error_rolls_the_transaction_back(db: Database) -> None:
    org = await make_organization(db)
    with pytest.raises(asyncpg.PostgresError):
        async with db.native(Scope(org.id)) as conn:
            await conn.execute("UPDATE organizations SET name = 'renamed' WHERE id = $1", org.id)
            await conn.execute("SELECT 1/0")
    async with db.native(Scope(org.id)) as conn:
        assert await conn.fetchval("SELECT name FROM organizations WHERE id = $1", org.id) != "renamed"
        await conn.execute("UPDATE organizations SET name = 'renamed' WHERE id = $1", org.id)
    async with db.native(Scope(org.id)) as conn:  # and success commits
        assert await conn.fetchval("SELECT name FROM organizations WHERE id = $1", org.id) == "renamed"


async def test_json_comes_back_as_values_like_through_the_orm(db: Database) -> None:
    async with db.native(Scope.system()) as conn:
        assert await conn.fetchval("SELECT $1::jsonb", '{"a": [1, 2]}') == {"a": [1, 2]}
