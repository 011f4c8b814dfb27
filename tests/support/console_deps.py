"""ConsoleDeps that need no database or Redis: for inspecting the console's routes without serving them."""

from __future__ import annotations

from admin_web.context import ConsoleDeps
from core.db.database import Database
from core.settings import load_settings


def dummy_deps() -> ConsoleDeps:
    settings = load_settings(_env_file=None)
    # The engine is created lazily by SQLAlchemy: nothing connects unless a request is served.
    return ConsoleDeps.build(Database("postgresql+asyncpg://nobody@127.0.0.1:1/none"), settings, None)
