"""Session fixtures: real PostgreSQL (a fresh, migrated database per session) and real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from core.db.database import Database
from core.db.migrate import upgrade
from core.db.roles import APP_ROLE
from core.redis_wire import RedisWire
from core.settings import Settings, load_settings
from tests.support.chromium import launched
from tests.support.servers import create_database, drop_database, postgres_server_url, redis_server_url


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    return postgres_server_url()


@pytest.fixture(scope="session")
async def database_url(pg_server_url: str) -> AsyncIterator[str]:
    """The owner's URL of a fresh database with every migration applied."""
    url, name = await create_database(pg_server_url)
    await upgrade(url)
    yield url
    await drop_database(pg_server_url, name)


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[Database]:
    """The application's view: connects as the non-owner app role, so row-level security applies."""
    database = Database(database_url, app_role=APP_ROLE, pool_size=5)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
async def owner_db(database_url: str) -> AsyncIterator[Database]:
    """The table owner's view (migrations, tampering tests); RLS is forced but roles differ."""
    database = Database(database_url, app_role=None, pool_size=2)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    return redis_server_url()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """A plain redis-py client, for tests that look at what the hot paths' wire wrote."""
    client: Redis = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def redis_wire(redis_url: str) -> AsyncIterator[RedisWire]:
    """The hot paths' pipelined Redis connection (core/redis_wire.py), one per test (one event loop each)."""
    wire = RedisWire.from_url(redis_url)
    yield wire
    await wire.close()


@pytest.fixture(scope="session")
def settings(database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        IBIMINA_ENV="test",
        IBIMINA_DATA_DIR=str(tmp_path_factory.mktemp("data")),
        _env_file=None,
    )


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Chromium (tests/support/chromium.py); mark the test with BROWSER_TEST."""
    async with launched() as b:
        yield b
