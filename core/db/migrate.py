"""Run Alembic migrations from code (`ibimina migrate`, tests, the demo's first start)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["url"] = url
    return cfg


def upgrade_sync(url: str, target: str = "heads") -> None:
    command.upgrade(alembic_config(url), target)


async def upgrade(url: str, target: str = "heads") -> None:
    """Upgrade to every head; runs in a thread because Alembic's env starts its own event loop."""
    await asyncio.to_thread(upgrade_sync, url, target)


async def pending_revisions(url: str) -> list[str]:
    """Revisions the database has not applied yet (empty when up to date)."""
    script = ScriptDirectory.from_config(alembic_config(url))
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(lambda c: set(MigrationContext.configure(c).get_current_heads()))
    finally:
        await engine.dispose()
    heads = set(script.get_heads())
    if heads <= current:
        return []
    applied: set[str] = set()
    for rev in current:
        applied.update(r.revision for r in script.iterate_revisions(rev, "base"))
    return sorted(r.revision for r in script.walk_revisions() if r.revision not in applied)
