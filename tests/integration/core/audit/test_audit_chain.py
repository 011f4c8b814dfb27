"""The audit chain links every row of an organization and names the row someone edited or removed."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from core.audit.models import AuditEvent
from core.audit.service import Actor, record, verify_chain
from core.db.database import Database
from tests.support.factories import make_organization


async def test_chain_verifies_then_detects_an_edited_row(db: Database, owner_db: Database) -> None:
    org = await make_organization(db)
    async with db.tenant(org.id) as s:
        for i in range(3):
            await record(
                s, organization_id=org.id, actor=Actor.staff(7), action="test.action", details={"i": i}
            )
    async with db.tenant(org.id) as s:
        checked, problems = await verify_chain(s)
    assert checked == 4 and problems == []  # organization.created + three

    async with owner_db.system() as s:
        await s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        target = (
            await s.execute(
                text("SELECT id FROM audit_log WHERE organization_id = :o AND seq = 3"), {"o": org.id}
            )
        ).scalar_one()
        await s.execute(text("UPDATE audit_log SET details = '{\"i\": 99}' WHERE id = :id"), {"id": target})
        await s.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    async with db.tenant(org.id) as s:
        _, problems = await verify_chain(s)
    assert [p.audit_id for p in problems] == [target]
    assert "edited" in problems[0].problem
    await _as_intruder(owner_db, "UPDATE audit_log SET details = '{\"i\": 1}' WHERE id = :id", id=target)
    async with db.tenant(org.id) as s:  # put back, the chain verifies again (and other tests see it intact)
        assert (await verify_chain(s))[1] == []


async def test_chain_detects_a_deleted_row(db: Database, owner_db: Database) -> None:
    org = await make_organization(db)
    async with db.tenant(org.id) as s:
        for i in range(3):
            await record(
                s, organization_id=org.id, actor=Actor.system(), action="test.action", details={"i": i}
            )
    async with owner_db.system() as s:
        row = dict((await s.execute(text(
            "SELECT * FROM audit_log WHERE organization_id = :o AND seq = 2"), {"o": org.id})).mappings().one())
    await _as_intruder(owner_db, "DELETE FROM audit_log WHERE id = :id", id=row["id"])
    async with db.tenant(org.id) as s:
        _, problems = await verify_chain(s)
    assert any("missing" in p.problem for p in problems)
    async with owner_db.system() as s:  # put back, so other tests see intact chains
        await s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        await s.execute(insert(AuditEvent).values(**row))
        await s.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    async with db.tenant(org.id) as s:
        assert (await verify_chain(s))[1] == []


async def test_audit_rows_cannot_be_changed(db: Database, owner_db: Database) -> None:
    org = await make_organization(db)
    for sql in (
        "UPDATE audit_log SET action = 'x' WHERE organization_id = :o",
        "DELETE FROM audit_log WHERE organization_id = :o",
    ):
        with pytest.raises(DBAPIError, match="permission denied"):  # the app role lacks the privilege
            async with db.tenant(org.id) as s:
                await s.execute(text(sql), {"o": org.id})
        with pytest.raises(DBAPIError, match="append-only"):  # the owner is stopped by the trigger
            async with owner_db.tenant(org.id) as s:
                await s.execute(text(sql), {"o": org.id})


async def _as_intruder(owner_db: Database, sql: str, **params: object) -> None:
    async with owner_db.system() as s:
        await s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        await s.execute(text(sql), params)
        await s.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
