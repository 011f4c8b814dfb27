"""A turn's system-scope transaction, kept open from loading the conversation to saving it when the dialog
step in between needs no database (the main menu, paging through a list): one transaction per turn instead
of two. The step sees the database through `HandOverDatabase`: opening any scope first commits the held
transaction, so a turn never holds two pooled connections at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.database import Database, Scope


class HeldScope:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._scope: Any = None
        self.session: AsyncSession | None = None

    async def open(self) -> AsyncSession:
        self._scope = self.db.system()
        self.session = await self._scope.__aenter__()
        return self.session

    async def release(self, error: BaseException | None = None) -> None:
        """Commit (or, after an error, roll back) the held transaction; a no-op once released."""
        scope, self._scope, self.session = self._scope, None, None
        if scope is not None:
            await scope.__aexit__(type(error) if error else None, error, error.__traceback__ if error else None)

    @asynccontextmanager
    async def system(self) -> AsyncIterator[AsyncSession]:
        """The held transaction while it is open, else a new system-scope one."""
        if self.session is not None:
            yield self.session
            return
        async with self.db.system() as session:
            yield session


class HandOverDatabase(Database):
    """The turn's Database as a dialog step sees it: same engine and sessions, but every scope it opens
    first hands back the held transaction."""

    def __init__(self, db: Database, held: HeldScope) -> None:  # shares db's engine: no super().__init__
        self.url = db.url
        self.app_role = db.app_role
        self.engine = db.engine
        self.sessions = db.sessions
        self._db = db
        self._held = held

    @asynccontextmanager
    async def scoped(self, scope: Scope) -> AsyncIterator[AsyncSession]:
        await self._held.release()
        async with self._db.scoped(scope) as session:
            yield session
