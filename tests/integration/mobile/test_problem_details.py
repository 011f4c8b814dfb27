"""Every failure under /api/v1 is one RFC 9457 shape, and a bug is a 500 that leaks nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from core.errors import Conflict, NotFound
from core.identity.errors import RateLimited
from mobile.api.problems import problem_middleware


@pytest.fixture
async def bare() -> AsyncIterator[TestClient]:
    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("secret internals: password=hunter2")

    async def missing(request: web.Request) -> web.Response:
        raise NotFound("no loan 7")

    async def busy(request: web.Request) -> web.Response:
        raise RateLimited(42, "codes requested")

    async def clash(request: web.Request) -> web.Response:
        raise Conflict("already answered")

    app = web.Application(middlewares=[problem_middleware])
    for path, handler in (("/boom", boom), ("/missing", missing), ("/busy", busy), ("/clash", clash)):
        app.router.add_get(path, handler)
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


async def test_domain_errors_keep_their_status_and_message(bare: TestClient) -> None:
    for path, status, code in (("/missing", 404, "not_found"), ("/clash", 409, "conflict"), ("/busy", 429, "rate_limited")):
        r = await bare.get(path)
        body = await r.json(content_type="application/problem+json")
        assert r.status == status and body["code"] == code and body["status"] == status
        assert body["type"] == f"urn:ibimina:problem:{code}" and body["instance"] == path and body["title"]
    r = await bare.get("/busy")
    assert r.headers["Retry-After"] == "42"


async def test_a_bug_is_a_plain_500_problem(bare: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    r = await bare.get("/boom")
    text = await r.text()
    assert r.status == 500 and r.content_type == "application/problem+json"
    assert "hunter2" not in text and "RuntimeError" not in text
    assert any("unhandled error" in rec.message for rec in caplog.records)  # logged (and sent to Sentry)


async def test_router_errors_are_problems(bare: TestClient) -> None:
    r = await bare.post("/missing")
    assert r.status == 405 and (await r.json(content_type="application/problem+json"))["code"] == "method_not_allowed"
    r = await bare.get("/nowhere")
    assert r.status == 404 and (await r.json(content_type="application/problem+json"))["code"] == "not_found"
