"""Row-level security is a real second wall: raw SQL in one organization's scope sees nothing of another's."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.db.database import Database
from tests.support.factories import make_group, make_member, make_organization

TENANT_TABLES = ("organizations", "groups", "members", "group_memberships", "audit_log")


async def test_scope_a_reads_none_of_b_with_raw_sql(db: Database) -> None:
    a, b = await make_organization(db), await make_organization(db)
    for org in (a, b):
        await make_member(db, org, await make_group(db, org))
    async with db.tenant(a.id) as s:
        for table in TENANT_TABLES:
            col = "id" if table == "organizations" else "organization_id"
            orgs = set((await s.execute(text(f"SELECT DISTINCT {col} FROM {table}"))).scalars())
            assert orgs == {a.id}, f"{table} leaks {orgs - {a.id}} into organization {a.id}'s scope"
        assert (
            await s.execute(text("SELECT count(*) FROM members WHERE organization_id = :b"), {"b": b.id})
        ).scalar() == 0


async def test_no_scope_sees_nothing(db: Database) -> None:
    await make_organization(db)
    async with db.sessions() as s, s.begin():
        assert (await s.execute(text("SELECT count(*) FROM organizations"))).scalar() == 0
        assert (await s.execute(text("SELECT count(*) FROM members"))).scalar() == 0


async def test_system_scope_sees_every_organization(db: Database) -> None:
    a, b = await make_organization(db), await make_organization(db)
    async with db.system() as s:
        ids = set((await s.execute(text("SELECT id FROM organizations"))).scalars())
    assert {a.id, b.id} <= ids


async def test_cannot_write_a_row_into_another_organization(db: Database) -> None:
    a, b = await make_organization(db), await make_organization(db)
    group_b = await make_group(db, b)
    with pytest.raises(DBAPIError, match="row-level security"):
        async with db.tenant(a.id) as s:
            await s.execute(
                text(
                    "INSERT INTO members (organization_id, phone, first_name, last_name, language, status) "
                    "VALUES (:b, '+250788999999', 'X', 'Y', 'rw', 'active')"
                ),
                {"b": b.id},
            )
    async with db.tenant(a.id) as s:
        updated = await s.execute(text("UPDATE groups SET name = 'stolen' WHERE id = :g"), {"g": group_b.id})
        assert updated.rowcount == 0


async def test_app_role_is_neither_owner_nor_superuser(db: Database) -> None:
    async with db.system() as s:
        row = (
            await s.execute(
                text(
                    "SELECT current_user, r.rolsuper, r.rolbypassrls FROM pg_roles r WHERE r.rolname = current_user"
                )
            )
        ).one()
    assert row == ("ibimina_app", False, False)
