"""/healthz answers; /readyz reports each configured dependency and fails when one is down."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.runtime import Runtime, open_runtime
from core.settings import Settings


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    rt = await open_runtime(settings)
    yield rt
    await rt.close()


async def _client(rt: Runtime) -> TestClient:
    client = TestClient(TestServer(create_app(rt)))
    await client.start_server()
    return client


async def test_healthz_and_readyz_with_database_and_redis(runtime: Runtime) -> None:
    client = await _client(runtime)
    try:
        r = await client.get("/healthz")
        assert r.status == 200 and (await r.json()) == {"status": "ok"}
        r = await client.get("/readyz")
        body = await r.json()
        assert r.status == 200, body
        assert body["checks"] == {"database": "ok", "redis": "ok"}
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        await client.close()


async def test_readyz_is_503_when_redis_is_down(settings: Settings) -> None:
    broken = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    rt = await open_runtime(broken)
    client = await _client(rt)
    try:
        r = await client.get("/readyz")
        body = await r.json()
        assert r.status == 503
        assert body["checks"]["database"] == "ok" and body["checks"]["redis"].startswith("error")
    finally:
        await client.close()
        await rt.close()
