"""The Database handle: engine, and sessions scoped to one organization or to the explicit system scope."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from core.db.coalesce import Call, Coalescer, Result
from core.db.statement_pool import Lease, StatementPool
from core.db.urls import libpq_dsn

_SET_SCOPE = text(
    "SELECT set_config('app.organization_id', :org, true), set_config('app.all_organizations', :all, true)"
)


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose rows a transaction may see: one organization, or every one (system jobs, platform admins)."""

    organization_id: int | None

    @classmethod
    def system(cls) -> Scope:
        return cls(None)

    @property
    def is_system(self) -> bool:
        return self.organization_id is None


async def _json_codecs(conn: asyncpg.Connection) -> None:
    """json/jsonb as SQLAlchemy's connections have them: JSON text in, Python values out (the hot paths read
    json columns as lists and dicts)."""
    for name in ("json", "jsonb"):
        await conn.set_type_codec(name, schema="pg_catalog", encoder=str, decoder=json.loads, format="text")


class Database:
    """Owns the engine; every unit of work goes through `tenant()` or `system()` so RLS always applies."""

    def __init__(self, url: str, *, app_role: str | None = None, pool_size: int = 10) -> None:
        connect_args: dict[str, Any] = {"server_settings": {"application_name": "ibimina"}}
        if app_role:
            # A startup parameter, not SET ROLE: it survives rollbacks and pool resets.
            connect_args["server_settings"]["role"] = app_role
        self.url = url
        self.app_role = app_role
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False, connect_args=connect_args
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.pool_size = pool_size
        self._connect_args = connect_args
        self._native: StatementPool | None = None
        self._coalescers: dict[str, Coalescer[Any, Any]] = {}

    @asynccontextmanager
    async def scoped(self, scope: Scope) -> AsyncIterator[AsyncSession]:
        """One transaction in the given scope; commits on success, rolls back on error."""
        async with self.sessions() as session, session.begin():
            await session.execute(
                _SET_SCOPE,
                {
                    "org": "" if scope.organization_id is None else str(scope.organization_id),
                    "all": "on" if scope.is_system else "off",
                },
            )
            yield session

    def native_pool(self) -> StatementPool:
        """Bare asyncpg connections (same role and settings) for hot paths that skip the ORM; each opened on
        first use."""
        if self._native is None:
            self._native = StatementPool(self._native_connect, self.pool_size)
        return self._native

    async def _native_connect(self) -> asyncpg.Connection:
        conn = await asyncpg.connect(libpq_dsn(self.url), **self._connect_args)
        await _json_codecs(conn)
        return conn

    def native_connection(self) -> Lease:
        """A bare pooled connection outside any transaction, for hot paths whose unit of work is one statement
        that sets its own scope inside it (ledger posting, a conversation turn's load and save): one round trip,
        none of the ORM session's CPU. Everything else goes through tenant()/system().

        `async with db.native_connection() as conn:`"""
        return self.native_pool().connection()

    def coalescer(self, name: str, make: Callable[[], Coalescer[Call, Result]]) -> Coalescer[Call, Result]:
        """The one Coalescer of this database for a hot-path statement (`name`), made on first use: the calls
        of a tick go to PostgreSQL as one (core/db/coalesce.py)."""
        coalescer = self._coalescers.get(name)
        if coalescer is None:
            coalescer = self._coalescers[name] = make()
        return coalescer

    def tenant(self, organization_id: int) -> Any:
        """A transaction that sees only this organization's rows."""
        return self.scoped(Scope(organization_id))

    def system(self) -> Any:
        """A transaction across organizations: only for jobs and platform admins, never a member request."""
        return self.scoped(Scope.system())

    async def ping(self) -> None:
        """Both pools answer (and each holds a first connection afterwards)."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        async with self.native_connection() as native:
            await native.execute("SELECT 1")

    async def dispose(self) -> None:
        for coalescer in self._coalescers.values():
            await coalescer.drain()
        native, self._native = self._native, None
        if native is not None:
            await native.close()
        await self.engine.dispose()
