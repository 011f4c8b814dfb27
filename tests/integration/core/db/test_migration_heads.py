"""Migrations end in one head, a migrated database sits exactly there with nothing pending, and a migration
that fails says why."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.db.database import Database
from core.db.migrate import alembic_config, pending_revisions, upgrade
from tests.support.servers import create_database, drop_database


def test_there_is_exactly_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("postgresql+asyncpg://unused@localhost/x")).get_heads()
    assert len(heads) == 1, f"several heads {heads}: add a merge revision"


async def test_the_test_database_is_at_the_head(database_url: str, owner_db: Database) -> None:
    assert await pending_revisions(database_url) == []
    async with owner_db.engine.connect() as conn:
        versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert versions == [head]


async def test_a_failing_migration_reports_its_own_error(pg_server_url: str) -> None:
    """Not "current transaction is aborted" from the clean-up: the statement that failed, and the database
    stays at the last revision that applied."""
    url, name = await create_database(pg_server_url, prefix="ibimina_mig")
    try:
        await upgrade(url, "0012")
        owner = Database(url)
        try:
            async with owner.engine.begin() as conn:  # in the way of 0013's CREATE FUNCTION
                await conn.execute(text(
                    "CREATE FUNCTION ledger_post_entry(bigint, text, text, text, timestamptz, text, text, text, "
                    "text, bigint, bigint[], bigint[], text[]) RETURNS int LANGUAGE sql AS 'SELECT 1'"))  # fmt: skip
            with pytest.raises(DBAPIError) as failed:
                await upgrade(url)
            assert "already exists" in str(failed.value)
            async with owner.engine.connect() as conn:
                assert (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar() == "0012"
        finally:
            await owner.dispose()
    finally:
        await drop_database(pg_server_url, name)
