"""A turn's system-scope transaction on a bare connection, kept open from loading the conversation to saving
it when the dialog step in between needs no database (the main menu, paging through a list): one transaction
per turn instead of two. The step sees the database through `HandOverDatabase`: opening any scope first
commits the held transaction, so a turn never holds two pooled connections at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.database import Database, Scope


class HeldScope:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._scope: Any = None
        self.conn: asyncpg.Connection | None = None

    async def open(self) -> asyncpg.Connection:
        self._scope = self.db.native(Scope.system())
        self.conn = await self._scope.__aenter__()
        return self.conn

    async def release(self, error: BaseException | None = None) -> None:
        """Commit (or, after an error, roll back) the held transaction; a no-op once released."""
        scope, self._scope, self.conn = self._scope, None, None
        if scope is not None:
            await scope.__aexit__(type(error) if error else None, error, error.__traceback__ if error else None)

    @asynccontextmanager
    async def system(self) -> AsyncIterator[asyncpg.Connection]:
        """The held transaction while it is open, else a new system-scope one."""
        if self.conn is not None:
            yield self.conn
            return
        async with self.db.native(Scope.system()) as conn:
            yield conn


class HandOverDatabase(Database):
    """The turn's Database as a dialog step sees it: same engine, sessions and bare pool, but every scope it
    opens first hands back the held transaction."""

    def __init__(self, db: Database, held: HeldScope) -> None:  # shares db's engine: no super().__init__
        self.url = db.url
        self.app_role = db.app_role
        self.engine = db.engine
        self.sessions = db.sessions
        self.pool_size = db.pool_size
        self._db = db
        self._held = held

    async def native_pool(self) -> asyncpg.Pool:
        return await self._db.native_pool()

    @asynccontextmanager
    async def scoped(self, scope: Scope) -> AsyncIterator[AsyncSession]:
        await self._held.release()
        async with self._db.scoped(scope) as session:
            yield session

    @asynccontextmanager
    async def native(self, scope: Scope) -> AsyncIterator[asyncpg.Connection]:
        await self._held.release()
        async with self._db.native(scope) as conn:
            yield conn

    @asynccontextmanager
    async def native_connection(self) -> AsyncIterator[asyncpg.Connection]:
        await self._held.release()
        async with self._db.native_connection() as conn:
            yield conn
