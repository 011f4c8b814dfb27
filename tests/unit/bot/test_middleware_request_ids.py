"""Request ids: unique within a process and across forked ones, kept when the caller sends its own."""

from __future__ import annotations

import os

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.middleware import REQUEST_ID, request_id_middleware, request_ids


def test_ids_do_not_repeat_and_a_forked_child_starts_its_own_series() -> None:
    ours = {request_ids.new() for _ in range(10_000)}
    assert len(ours) == 10_000
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child writes its first id and leaves at once
        os.write(write, request_ids.new().encode())
        os._exit(0)
    os.close(write)
    theirs = os.read(read, 100).decode()
    os.close(read)
    os.waitpid(child, 0)
    assert theirs and theirs not in ours and theirs.split("-")[0] != request_ids.prefix


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
