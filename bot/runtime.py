"""The running service's parts, built once from settings: database, optional Redis, job dispatch."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from core.db.database import Database
from core.db.embedded import start_embedded_postgres
from core.db.migrate import upgrade
from core.redis_wire import RedisWire
from core.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    owner_url: str  # the URL migrations run with (table owner)
    db: Database
    redis: Redis | None = None  # redis-py, for the generic uses
    redis_wire: RedisWire | None = None  # one pipelined connection, for the hot paths (core/redis_wire.py)
    embedded: bool = False
    extras: dict[str, Any] = field(default_factory=dict)

    async def close(self) -> None:
        await self.db.dispose()
        if self.redis is not None:
            await self.redis.aclose()
        if self.redis_wire is not None:
            await self.redis_wire.close()


def resolve_database_url(settings: Settings) -> tuple[str, bool]:
    """DATABASE_URL when set, else the embedded PostgreSQL under the data dir (started if needed)."""
    if settings.database_url:
        return settings.database_url, False
    return start_embedded_postgres(settings.data_dir), True


async def open_runtime(settings: Settings, *, migrate: bool = False) -> Runtime:
    url, embedded = resolve_database_url(settings)
    owner_url = settings.migration_database_url or url
    if migrate:
        await upgrade(owner_url)
    db = Database(url, app_role=settings.database_app_role or None, pool_size=settings.database_pool_size)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    wire = RedisWire.from_url(settings.redis_url) if settings.redis_url else None
    return Runtime(settings=settings, owner_url=owner_url, db=db, redis=redis, redis_wire=wire, embedded=embedded)
