"""Request ids: the caller's kept, else a new one per request (the series: tests/unit/core/test_unique_ids.py)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.middleware import REQUEST_ID, request_id_middleware


async def test_the_response_echoes_the_callers_id_or_a_new_one() -> None:
    async def seen(request: web.Request) -> web.Response:
        return web.Response(text=request[REQUEST_ID])

    app = web.Application(middlewares=[request_id_middleware])
    app.router.add_get("/", seen)
    async with TestClient(TestServer(app)) as client:
        given = await client.get("/", headers={"X-Request-Id": "gateway-42"})
        assert given.headers["X-Request-Id"] == "gateway-42" == await given.text()
        first, second = await client.get("/"), await client.get("/")
        assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
        assert first.headers["X-Request-Id"] == await first.text()
