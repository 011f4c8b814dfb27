"""Start-up warm-up: the router loads its NLU model before the port opens; a failure only logs."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from bot.app import _warm_up
from bot.keys import RUNTIME


class FakeDb:
    def __init__(self) -> None:
        self.pinged = 0

    async def ping(self) -> None:
        self.pinged += 1


class FakeRouter:
    def __init__(self, fail: bool = False) -> None:
        self.warmed = 0
        self.fail = fail

    async def warm(self) -> None:
        self.warmed += 1
        if self.fail:
            raise RuntimeError("model missing")


class FakeRuntime:
    def __init__(self, router: Any) -> None:
        self.db = FakeDb()
        self.extras: dict[str, Any] = {"router": router} if router is not None else {}


def app_with(runtime: FakeRuntime) -> web.Application:
    app = web.Application()
    app[RUNTIME] = runtime  # type: ignore[assignment]
    return app


async def test_warm_up_warms_the_router_and_the_pool() -> None:
    runtime = FakeRuntime(FakeRouter())
    await _warm_up(app_with(runtime))
    assert runtime.extras["router"].warmed == 1 and runtime.db.pinged == 1


async def test_warm_up_without_a_router_still_pings() -> None:
    runtime = FakeRuntime(None)
    await _warm_up(app_with(runtime))
    assert runtime.db.pinged == 1


async def test_a_failed_warm_up_does_not_stop_the_service(caplog: pytest.LogCaptureFixture) -> None:
    runtime = FakeRuntime(FakeRouter(fail=True))
    await _warm_up(app_with(runtime))
    assert "warm-up failed" in caplog.text
