"""The event loop the service and the workers run on: uvloop where installed (Linux, macOS), where the same
aiohttp app, asyncpg and redis calls cost markedly less CPU than on the stock loop; stock asyncio elsewhere."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def runner() -> asyncio.Runner:
    """A long-lived runner on that loop (a Celery worker process keeps one for every task it runs)."""
    return asyncio.Runner(loop_factory=new_event_loop)


def run_event_loop(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on that loop."""
    with runner() as loop_runner:
        return loop_runner.run(main)
