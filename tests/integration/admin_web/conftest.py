"""Console fixtures: the real app (bot.app.create_app) on the test database, one client per test."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from redis.asyncio import Redis

from bot.app import create_app
from bot.runtime import Runtime
from core.db.database import Database
from core.settings import Settings

ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def console_client(
    db: Database, database_url: str, settings: Settings, redis_url: str
) -> AsyncIterator[ClientFactory]:
    """make(**settings overrides) -> a client of the whole app; use_redis=False for the PostgreSQL limiter;
    `port` when the settings must name it (PUBLIC_BASE_URL for passkeys).

    Each client gets its own OTP_PEPPER, so rate-limit counters (keyed with it) never leak between tests.
    """
    opened: list[tuple[TestClient, Redis | None]] = []

    async def make(*, use_redis: bool = True, port: int | None = None, **overrides: Any) -> TestClient:
        update: dict[str, Any] = {"otp_pepper": SecretStr(secrets.token_hex(32)), **overrides}
        redis: Redis | None = Redis.from_url(redis_url) if use_redis else None
        runtime = Runtime(
            settings=settings.model_copy(update=update), owner_url=database_url, db=db, redis=redis
        )
        client = TestClient(TestServer(create_app(runtime), port=port))
        await client.start_server()
        opened.append((client, redis))
        return client

    yield make
    for client, redis in opened:
        await client.close()
        if redis is not None:
            await redis.aclose()
