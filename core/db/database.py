"""The Database handle: engine, and sessions scoped to one organization or to the explicit system scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

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

    def tenant(self, organization_id: int) -> Any:
        """A transaction that sees only this organization's rows."""
        return self.scoped(Scope(organization_id))

    def system(self) -> Any:
        """A transaction across organizations: only for jobs and platform admins, never a member request."""
        return self.scoped(Scope.system())

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
