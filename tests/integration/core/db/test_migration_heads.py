"""Migrations end in one head, and a migrated database sits exactly there with nothing pending."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import text

from core.db.database import Database
from core.db.migrate import alembic_config, pending_revisions


def test_there_is_exactly_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("postgresql+asyncpg://unused@localhost/x")).get_heads()
    assert len(heads) == 1, f"several heads {heads}: add a merge revision"


async def test_the_test_database_is_at_the_head(database_url: str, owner_db: Database) -> None:
    assert await pending_revisions(database_url) == []
    async with owner_db.engine.connect() as conn:
        versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert versions == [head]
