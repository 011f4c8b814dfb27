"""Alembic environment: async engine, one advisory lock so concurrent `migrate` runs take turns."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from core.db.base import Base
from core.db.registry import MODEL_MODULES  # noqa: F401 - fills Base.metadata

MIGRATION_LOCK = 7_210_001
config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
    try:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    except BaseException:
        # The failed transaction must end before the unlock, or the unlock fails too and its error ("current
        # transaction is aborted") hides the migration's own. The session-level lock survives the rollback.
        connection.rollback()
        raise
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})


async def _main() -> None:
    engine = create_async_engine(config.attributes["url"])
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `ibimina migrate` against a database")
asyncio.run(_main())
